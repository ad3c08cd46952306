import type SQLite from 'better-sqlite3'
import type { CompiledQuery, QueryResult } from 'kysely'
import { LRUCache } from 'lru-cache'

/** Distinct statements kept per connection; Agora's queries come in a few hundred shapes. */
const CAPACITY = 1000

// Rows come as arrays (`raw`) that `rowsOf` makes into objects: faster than better-sqlite3's
// build through V8's API, and alike in shape, which makes later reads of their fields faster.
export interface PreparedStatement {
  statement: SQLite.Statement
  /** Makes a row of the values of one; undefined for a statement that returns no rows. */
  toRow: RowBuilder | undefined
}

type RowBuilder = (values: unknown[]) => Record<string, unknown>

// An object literal for each statement's columns: its rows are built without a lookup of each
// field by name, which assigning them one by one needed (V8's slowest, megamorphic store).
// A name twice keeps the last value, as better-sqlite3 does.
function rowBuilder (columns: string[]): RowBuilder {
  if (columns.includes('__proto__')) {
    return (values) => Object.fromEntries(columns.map((column, index) => [column, values[index]]))
  }
  const fields = columns.map((column, index) => `${JSON.stringify(column)}: values[${index}]`)
  // eslint-disable-next-line no-new-func -- the names are SQLite's, quoted by JSON.stringify
  return new Function('values', `return { ${fields.join(', ')} }`) as RowBuilder
}

/** Prepares each SQL text once, unlike Kysely's driver: preparing costs more than a primary-key lookup. */
export class StatementCache {
  // Not a Map whose hits are moved to its end: deleting and setting a key on every run keeps
  // rebuilding a long-lived Map's table, as garbage in V8's old generation (lib/linked-list.ts).
  readonly #statements = new LRUCache<string, PreparedStatement>({ max: CAPACITY })

  constructor (private readonly database: SQLite.Database) {}

  get inTransaction (): boolean { return this.database.inTransaction }

  /** The statements held now, for tests. */
  get size (): number { return this.#statements.size }

  prepare (sql: string): PreparedStatement {
    let prepared = this.#statements.get(sql)
    if (prepared === undefined) {
      const statement = this.database.prepare(sql)
      const columns = statement.reader ? statement.raw(true).columns().map((column) => column.name) : undefined
      const toRow = columns === undefined ? undefined : rowBuilder(columns)
      prepared = { statement, toRow }
      this.#statements.set(sql, prepared)
    }
    return prepared
  }

  /** Runs `query` as Kysely's SQLite driver would. */
  execute<R> ({ sql, parameters }: Pick<CompiledQuery, 'sql' | 'parameters'>): QueryResult<R> {
    const prepared = this.prepare(sql)
    if (prepared.toRow !== undefined) return { rows: rowsOf<R>(prepared.statement, prepared.toRow, parameters) }
    const { changes, lastInsertRowid } = prepared.statement.run(parameters)
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
  }

  run (sql: string): void {
    this.prepare(sql).statement.run()
  }

  /** The first column of the first row. */
  value (sql: string): unknown {
    return (this.prepare(sql).statement.get() as unknown[] | undefined)?.[0]
  }

  close (): void {
    this.#statements.clear()
    this.database.close()
  }
}

/** The rows of a statement that returns rows (`toRow`), as objects keyed by column name. */
export function rowsOf<R> (statement: SQLite.Statement, toRow: RowBuilder, parameters: readonly unknown[]): R[] {
  const values = statement.all(parameters) as unknown[][]
  const rows = new Array<R>(values.length)
  for (let r = 0; r < values.length; r++) rows[r] = toRow(values[r]!) as R
  return rows
}
