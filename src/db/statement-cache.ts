import type SQLite from 'better-sqlite3'
import type { CompiledQuery, QueryResult } from 'kysely'

/** Distinct statements kept per connection; Agora's queries come in a few hundred shapes. */
const CAPACITY = 1000

/**
 * A better-sqlite3 connection that prepares each SQL text once. Preparing costs more
 * than running a primary-key lookup, and Kysely's own driver prepares on every call.
 * The least recently used statement goes first when CAPACITY is reached.
 */
export class StatementCache {
  readonly #statements = new Map<string, SQLite.Statement>()

  constructor (private readonly database: SQLite.Database) {}

  get inTransaction (): boolean { return this.database.inTransaction }

  /** The statements held now, for tests. */
  get size (): number { return this.#statements.size }

  prepare (sql: string): SQLite.Statement {
    let statement = this.#statements.get(sql)
    if (statement !== undefined) {
      // Map keeps insertion order: moving a hit to the end makes the first key the least recent.
      this.#statements.delete(sql)
    } else {
      statement = this.database.prepare(sql)
      if (this.#statements.size >= CAPACITY) this.#statements.delete(this.#statements.keys().next().value!)
    }
    this.#statements.set(sql, statement)
    return statement
  }

  /** Runs `query` as Kysely's SQLite driver would. */
  execute<R> ({ sql, parameters }: CompiledQuery): QueryResult<R> {
    const statement = this.prepare(sql)
    if (statement.reader) return { rows: statement.all(parameters) as R[] }
    const { changes, lastInsertRowid } = statement.run(parameters)
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
  }

  run (sql: string): void {
    this.prepare(sql).run()
  }

  close (): void {
    this.#statements.clear()
    this.database.close()
  }
}
