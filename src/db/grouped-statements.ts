import type { Compilable, Kysely } from 'kysely'
import { isPostgres, opaqueToPlanner } from './dialect-sql.js'
import { preparedQuery, type PreparedQuery } from './prepared-query.js'
import type { Database, PostRow, ProductRow, UserRow } from './tables.js'

// Statements that concurrent requests share on PostgreSQL. While one group of calls runs its
// statement, the calls that arrive wait, then run together as the next: one round trip, one
// snapshot or commit, and one run of each statement-level trigger for them all. A call alone runs
// at once, and no call joins a statement that began before it was made, so it sees every commit
// that came before it. SQLite's reads are in-process and its writer already shares commits
// (sqlite-writer-thread.ts); inside a transaction the caller owns the unit of work: both run alone.

interface Call<A, R> { args: A, resolve: (result: R) => void, reject: (error: unknown) => void }

// One group runs at a time: a second one would start with the first call to arrive, and groups
// would shrink (1.5–1.6k `POST /products` a second against 2.1k, measured).
interface Queue<A, R> { waiting: Array<Call<A, R>>, running: boolean }

/** `together` settles every call of a group; if it throws, the calls it left get its error. */
function groupedCalls<A, R> (
  alone: (db: Kysely<any>, args: A) => Promise<R>,
  together: (db: Kysely<any>, calls: Array<Call<A, R>>) => Promise<void>
): (db: Kysely<any>, args: A) => Promise<R> {
  const queues = new WeakMap<Kysely<any>, Queue<A, R>>()

  function runGroup (db: Kysely<any>, queue: Queue<A, R>): void {
    // Every call waiting, uncapped: a group is at most the requests in flight, and while the
    // database hangs the calls that pile up wait for one statement after it, not a chain of them.
    const calls = queue.waiting
    queue.waiting = []
    queue.running = true
    const [first] = calls
    const settled = calls.length === 1 ? alone(db, first!.args).then(first!.resolve) : together(db, calls)
    settled.catch((error: unknown) => { for (const call of calls) call.reject(error) }).finally(() => {
      queue.running = false
      if (queue.waiting.length > 0) runGroup(db, queue)
    })
  }

  // Not async: on SQLite a read by id stays as many promise steps away from its caller as before.
  return function call (db, args) {
    if (db.isTransaction || !isPostgres(db)) return alone(db, args)
    let queue = queues.get(db)
    if (queue === undefined) queues.set(db, queue = { waiting: [], running: false })
    const { waiting } = queue
    const result = new Promise<R>((resolve, reject) => { waiting.push({ args, resolve, reject }) })
    if (!queue.running) runGroup(db, queue)
    return result
  }
}

/** One array per argument of a row: the columns of the rows a group inserts. */
type ColumnArrays<A extends unknown[]> = { [K in keyof A]: Array<A[K]> }

/**
 * An insert of one row (`one`) whose concurrent calls share a statement on PostgreSQL (`many`, which
 * takes the rows' columns as arrays and must insert them in that order: a group answers its callers
 * by ascending id). `one` may insert nothing (undefined) when a condition of its own refuses the row;
 * `many` then inserts no row of the group, and each goes again alone. A row that breaks a rule fails alone.
 */
export function groupedInsert<A extends unknown[], R extends { id: number }> (
  one: PreparedQuery<A, R>, many: PreparedQuery<ColumnArrays<A>, R>
): (db: Kysely<any>, ...args: A) => Promise<R | undefined> {
  const alone = async (db: Kysely<any>, args: A): Promise<R | undefined> => await one.executeTakeFirst(db, ...args)
  const eachAlone = async (db: Kysely<any>, calls: Array<Call<A, R | undefined>>): Promise<void> => {
    await Promise.all(calls.map(async ({ args, resolve, reject }) => { await alone(db, args).then(resolve, reject) }))
  }
  const insert = groupedCalls<A, R | undefined>(alone, async (db, calls) => {
    let rows: R[]
    try {
      rows = await many.execute(db, ...columnsOf(calls.map(({ args }) => args)))
    } catch (error) {
      // PostgreSQL refused the statement as a whole: a row broke a rule, so each row goes again
      // alone and only that one fails. Any other error may follow a commit, and fails them all.
      if (!isRowError(error)) throw error
      await eachAlone(db, calls)
      return
    }
    if (rows.length === 0) {
      await eachAlone(db, calls)
      return
    }
    if (rows.length !== calls.length) throw new Error(`a grouped insert of ${calls.length} rows inserted ${rows.length}`)
    rows.sort((a, b) => a.id - b.id)
    calls.forEach(({ resolve }, index) => { resolve(rows[index]!) })
  })
  return (db, ...args) => insert(db, args)
}

/**
 * A read of a row by its id (`one`) whose concurrent calls share a statement on PostgreSQL (`many`,
 * which takes the ids as an array). Reading the caller of every authenticated request, and a row by
 * id, pay one round trip for a group.
 */
function groupedLookup<R extends { id: number }> (
  one: PreparedQuery<[number], R>, many: PreparedQuery<[number[]], R>
): (db: Kysely<any>, id: number) => Promise<R | undefined> {
  return groupedCalls<number, R | undefined>((db, id) => one.executeTakeFirst(db, id), async (db, calls) => {
    const rows = await many.execute(db, calls.map(({ args }) => args))
    const taken = rows.map(() => false)
    for (const { args: id, resolve } of calls) {
      const index = rows.findIndex((row) => row.id === id)
      if (index < 0) {
        resolve(undefined)
        continue
      }
      // Each call gets a row of its own, as a read alone would: its caller may add to it (withTags).
      resolve(taken[index]! ? { ...rows[index]! } : rows[index])
      taken[index] = true
    }
  })
}

// The rows read by id on hot routes, by table.
interface RowsById { users: UserRow, products: ProductRow, posts: PostRow }

/** A row of `table` by its id, through `groupedLookup`. */
export function groupedLookupById<T extends keyof RowsById> (
  table: T
): (db: Kysely<Database>, id: number) => Promise<RowsById[T] | undefined> {
  // Kysely cannot type a select from a table named by a type parameter: its rows are typed here, once.
  return groupedLookup<RowsById[T]>(
    preparedQuery((db: Kysely<any>, id: number) =>
      db.selectFrom(table).selectAll().where('id', '=', id) as Compilable<RowsById[T]>),
    preparedQuery((db: Kysely<any>, ids: number[]) =>
      db.selectFrom(table).selectAll().where((eb) => eb('id', '=', eb.fn.any(opaqueToPlanner(db, ids, 'bigint[]')))) as Compilable<RowsById[T]>)
  )
}

function columnsOf<A extends unknown[]> (rows: A[]): ColumnArrays<A> {
  return rows[0]!.map((_, column) => rows.map((row) => row[column])) as ColumnArrays<A>
}

// SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): errors of a row's
// values, raised before the statement commits.
function isRowError (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))
}
