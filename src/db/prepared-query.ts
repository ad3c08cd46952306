import { SelectQueryNode, type CompiledQuery, type Compilable, type Kysely } from 'kysely'
import { directReader } from './database.js'
import { isPostgres } from './dialect-sql.js'
import { PREPARED_STATEMENT_MARK } from './postgres.js'

// Stands for the argument at `index` while a query is built; replaced by its value on each run.
class Placeholder {
  constructor (readonly index: number) {}
}

export interface PreparedQuery<A extends unknown[], R> {
  execute (db: Kysely<any>, ...args: A): Promise<R[]>
  executeTakeFirst (db: Kysely<any>, ...args: A): Promise<R | undefined>
}

/**
 * A hot route's query, compiled once per dialect. `build` gets placeholders for its arguments, so it
 * may only pass them on as values, never compute with them. On PostgreSQL the statement is also
 * prepared once per connection (postgres.ts); a value that sizes its work goes through `opaqueToPlanner`.
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
    // A select skips Kysely outside a transaction, and runs with the others of its turn of the event
    // loop (`readTogether`), unless the read connection finds that it writes.
    const read = SelectQueryNode.is(query.query) ? directReader(db)?.readTogether<R>(bound) : undefined
    return await (read ?? db.executeQuery<R>(bound).then(({ rows }) => rows))
  }

  return {
    execute,
    async executeTakeFirst (db, ...args) { return (await execute(db, ...args))[0] }
  }
}

/**
 * One prepared query per `shape`, so shapes must be few. PostgreSQL plans them on every run: a filter's
 * selectivity varies with its value, and a generic plan could use the wrong index.
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
