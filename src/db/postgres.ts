import { PostgresDialect, sql, type DatabaseIntrospector, type DatabaseMetadata, type DatabaseMetadataOptions, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely'
import pg from 'pg'
import type { Config } from '../config.js'

export interface DbLogger {
  error (obj: object, msg: string): void
}

/**
 * Kysely's PostgreSQL introspector (which its migrator uses) reads every schema of the
 * database and calls functions that fail when another schema is dropped meanwhile. Agora
 * only ever needs its own schema, so it looks at that one alone.
 */
class SchemaScopedPostgresIntrospector implements DatabaseIntrospector {
  constructor (private readonly db: Kysely<any>) {}

  async getSchemas (): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(this.db)
    return rows
  }

  async getTables (options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<{ schema: string, table: string, is_view: boolean, column: string, type: string, nullable: boolean, has_default: boolean, identity: boolean }>`
      select c.table_schema as schema, c.table_name as table, t.table_type = 'VIEW' as is_view,
             c.column_name as column, c.udt_name as type, c.is_nullable = 'YES' as nullable,
             c.column_default is not null as has_default,
             (c.is_identity = 'YES' or coalesce(c.column_default, '') like 'nextval(%') as identity
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema()
      order by c.table_name, c.ordinal_position`.execute(this.db)
    const tables = new Map<string, TableMetadata>()
    for (const row of rows) {
      if (!options.withInternalKyselyTables && row.table.startsWith('kysely_migration')) continue
      const table = tables.get(row.table) ?? { name: row.table, schema: row.schema, isView: row.is_view, columns: [] }
      table.columns.push({
        name: row.column,
        dataType: row.type,
        isNullable: row.nullable,
        hasDefaultValue: row.has_default,
        isAutoIncrementing: row.identity
      })
      tables.set(row.table, table)
    }
    return [...tables.values()]
  }

  async getMetadata (options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) }
  }
}

export class PostgresDialectForAgora extends PostgresDialect {
  override createIntrospector (db: Kysely<any>): DatabaseIntrospector {
    return new SchemaScopedPostgresIntrospector(db)
  }
}

const INT8_OID = 20
const TIMESTAMPTZ_OID = 1184

// pg returns int8 (ids, COUNT(*)) as strings and timestamptz as Date; Agora's rows hold
// numbers and ISO strings on both dialects, so convert here, once.
const pgTypes = {
  getTypeParser (oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return parseSafeInteger
    if (oid === TIMESTAMPTZ_OID) {
      const parseDate = pg.types.getTypeParser(TIMESTAMPTZ_OID) as (value: string) => Date
      return (value: string) => parseDate(value).toISOString()
    }
    return pg.types.getTypeParser(oid, format as 'text')
  }
} as pg.CustomTypesConfig

function parseSafeInteger (value: string): number {
  const number = Number(value)
  if (!Number.isSafeInteger(number)) throw new RangeError(`int8 value ${value} does not fit a JavaScript number`)
  return number
}

export function createPool (config: Config, log?: DbLogger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    statement_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS,
    options: `-c search_path=${config.DATABASE_SCHEMA}`,
    types: pgTypes
  })
  // Without a listener, an idle client's error (a database restart) crashes the process.
  pool.on('error', (error) => log?.error({ err: error }, 'PostgreSQL idle client error'))
  // The pool listens to idle clients only: a checked-out client whose connection is cut
  // (57P01 on a restart) would emit an unhandled 'error' and crash the process. Its query
  // fails with the same error, which answers 503, and the pool drops the broken client.
  pool.on('connect', (client) => {
    client.on('error', (error) => log?.error({ err: error }, 'PostgreSQL connection lost'))
  })
  return pool
}
