import { SelectQueryNode, type CompiledQuery, type Compilable, type Kysely } from 'kysely'
import { directReader } from './database.js'
import { isPostgres } from './dialect-sql.js'
import { PREPARED_STATEMENT_MARK } from './postgres.js'

/** Stands for the argument at `index` while a query is built; replaced by its value on each run. */
class Placeholder {
  constructor (readonly index: number) {}
}

export interface PreparedQuery<A extends unknown[], R> {
  execute (db: Kysely<any>, ...args: A): Promise<R[]>
  executeTakeFirst (db: Kysely<any>, ...args: A): Promise<R | undefined>
}

/**
 * A query of a hot route, built and compiled by Kysely once per dialect instead of on
 * every request (building and compiling costs more than the primary-key lookup it runs).
 * `build` receives placeholders for its arguments, so it may only pass them on as values
 * (`where('id', '=', id)`, `limit(n)`), never compute with them. On PostgreSQL the
 * statement is also prepared once per connection, under a name (postgres.ts); on SQLite
 * every statement already is (statement-cache.ts), and a select skips Kysely's executor.
 */
export function preparedQuery<A extends unknown[], R> (
  build: (db: Kysely<any>, ...args: A) => Compilable<R>, { plannedOnce = true } = {}
): PreparedQuery<A, R> {
  const compiled: { sqlite?: CompiledQuery<R>, postgres?: CompiledQuery<R> } = {}

  function compiledFor (db: Kysely<any>): CompiledQuery<R> {
    const dialect = isPostgres(db) ? 'postgres' : 'sqlite'
    let query = compiled[dialect]
    if (query === undefined) {
      const placeholders = Array.from({ length: build.length - 1 }, (_, index) => new Placeholder(index)) as A
      query = build(db, ...placeholders).compile()
      if (dialect === 'postgres' && plannedOnce) query = { ...query, sql: `${PREPARED_STATEMENT_MARK}${query.sql}` }
      compiled[dialect] = query
    }
    return query
  }

  async function execute (db: Kysely<any>, ...args: A): Promise<R[]> {
    const query = compiledFor(db)
    const parameters = query.parameters.map((value) => value instanceof Placeholder ? args[value.index] : value)
    const bound = { ...query, parameters }
    // On SQLite outside a transaction, a select runs at once on the driver's read
    // connection (which decides what is read-only); anything else goes through Kysely.
    const reader = SelectQueryNode.is(query.query) ? directReader(db) : undefined
    return reader?.read<R>(bound) ?? (await db.executeQuery<R>(bound)).rows
  }

  return {
    execute,
    async executeTakeFirst (db, ...args) { return (await execute(db, ...args))[0] }
  }
}

/**
 * Prepared queries for a query whose text depends on which of its inputs are set (a
 * list's filters and order): one per `shape`, made on its first use. `key` names a shape;
 * shapes must be few. On PostgreSQL they are compiled once but planned on every run
 * (`plannedOnce: false`): a filter's selectivity varies with its value, and the generic
 * plan PostgreSQL may switch a named statement to could use the wrong index.
 */
export function shapedQuery<S, A extends unknown[], R> (
  key: (shape: S) => string, build: (shape: S) => (db: Kysely<any>, ...args: A) => Compilable<R>
): (shape: S) => PreparedQuery<A, R> {
  const byKey = new Map<string, PreparedQuery<A, R>>()
  return (shape) => {
    const name = key(shape)
    let query = byKey.get(name)
    if (query === undefined) {
      query = preparedQuery(build(shape), { plannedOnce: false })
      byKey.set(name, query)
    }
    return query
  }
}
