import type { Kysely } from 'kysely'
import { isPostgres } from './dialect-sql.js'
import type { PreparedQuery } from './prepared-query.js'

/** One array per argument of a row: the columns of the rows a group inserts. */
export type ColumnArrays<A extends unknown[]> = { [K in keyof A]: Array<A[K]> }

interface Waiting<A, R> { args: A, resolve: (row: R) => void, reject: (error: unknown) => void }
// One group runs at a time: a second one would start with the first row to arrive, and groups would
// shrink (1.5–1.6k products a second against 2.1k, measured).
interface Queue<A, R> { waiting: Array<Waiting<A, R>>, running: boolean }

/** The rows one statement takes at most, so that a steady stream of inserts still gets answers. */
const MAX_ROWS_PER_STATEMENT = 100

/**
 * An insert of one row whose concurrent calls share a statement on PostgreSQL: while a group runs, the
 * rows that arrive wait, then go together as `many`. They pay one round trip, one commit and one run
 * of each statement-level trigger. A row alone goes at once. SQLite's writer already shares commits
 * between units (sqlite-writer-thread.ts), and inside a transaction the caller owns the unit of work:
 * both run `one`.
 *
 * `many` takes the rows' columns as arrays and must insert them in that order: a group answers its
 * callers by ascending id.
 */
export function groupedInsert<A extends unknown[], R extends { id: number }> (
  one: PreparedQuery<A, R>, many: PreparedQuery<ColumnArrays<A>, R>
): (db: Kysely<any>, ...args: A) => Promise<R> {
  const queues = new WeakMap<Kysely<any>, Queue<A, R>>()

  async function insertOne (db: Kysely<any>, args: A): Promise<R> {
    const row = await one.executeTakeFirst(db, ...args)
    if (row === undefined) throw new Error('an insert returned no row')
    return row
  }

  function runGroup (db: Kysely<any>, queue: Queue<A, R>): void {
    const group = queue.waiting.splice(0, MAX_ROWS_PER_STATEMENT)
    queue.running = true
    const inserted = group.length === 1
      ? insertOne(db, group[0]!.args).then((row) => [row])
      : many.execute(db, ...columnsOf(group.map(({ args }) => args)))
    inserted.then((rows) => {
      rows.sort((a, b) => a.id - b.id)
      group.forEach(({ resolve }, index) => { resolve(rows[index]!) })
    }, (error: unknown) => {
      // PostgreSQL refused the statement as a whole: a row of the group broke a rule, so each row
      // goes again alone and only that one fails. Any other error may follow a commit, and fails all.
      if (group.length > 1 && isRowError(error)) {
        for (const { args, resolve, reject } of group) insertOne(db, args).then(resolve, reject)
      } else {
        for (const { reject } of group) reject(error)
      }
    }).finally(() => {
      queue.running = false
      if (queue.waiting.length > 0) runGroup(db, queue)
    })
  }

  return async function insert (db, ...args) {
    if (db.isTransaction || !isPostgres(db)) return await insertOne(db, args)
    let queue = queues.get(db)
    if (queue === undefined) queues.set(db, queue = { waiting: [], running: false })
    const { waiting } = queue
    const row = new Promise<R>((resolve, reject) => { waiting.push({ args, resolve, reject }) })
    if (!queue.running) runGroup(db, queue)
    return await row
  }
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
