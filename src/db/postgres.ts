import { PostgresDialect, sql, type DatabaseIntrospector, type DatabaseMetadata, type DatabaseMetadataOptions, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely'

// Kysely's introspector (used by its migrator) reads every schema, and fails when another schema
// is dropped meanwhile; Agora needs only its own.
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

/** Starts the SQL of a statement to prepare once per connection (prepared-query.ts). */
export const PREPARED_STATEMENT_MARK = '/* prepared */ '
