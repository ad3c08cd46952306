// Each unit is a SAVEPOINT in one `BEGIN IMMEDIATE`; the group commits once it holds half the units
// in flight, or once no message waits and no unit is open, or when full. A unit is answered only
// after the commit that makes it durable. The search indexes take the new rows (search-index-catch-up.ts)
// in the first group to commit `CATCH_UP_AFTER_MS` after the first commit they lack, or in a group of
// their own if none comes; sooner when a search asks (search-index-lag.ts).
import { parentPort, workerData } from 'node:worker_threads'
import type { CompiledQuery, QueryResult } from 'kysely'
import { toThreadError, type ThreadError } from './db-thread.js'
import { SearchIndexCatchUp } from './search-index-catch-up.js'
import { DROP_VALUE_SAMPLES, openSqlite, WAL_PAGES_BEFORE_CHECKPOINT } from './sqlite-connection.js'
import { StatementCache } from './statement-cache.js'

/** Units of work one commit may cover at most, so that a steady stream of writes still commits. */
const MAX_UNITS_PER_COMMIT = 256

// Indexing a group's rows just before each commit took a sixth of this thread's time under a stream
// of `POST /products`: FTS5 writes its pending rows as a new segment, merged later, and each commit
// wrote about thirteen pages of the indexes. Rows gathered over this long go in one segment.
const CATCH_UP_AFTER_MS = 20

type Query = Pick<CompiledQuery, 'sql' | 'parameters'>

/**
 * `more`: another unit is already waiting to be sent, so the group stays open for it. `inFlight`: the
 * units the caller has begun and not yet had answered (those waiting for its write lock too), this one included.
 */
export type WriteRequest =
  /** A statement that is a unit of its own: answered once committed. */
  | { op: 'unit', id: number, query: Query, more: boolean, inFlight: number }
  /** Opens a unit that the event loop fills statement by statement (a transaction). */
  | { op: 'begin', id: number }
  | { op: 'query', id: number, query: Query }
  /** Ends the open unit: answered once committed. */
  | { op: 'finish', id: number, more: boolean, inFlight: number }
  /** Rolls the open unit back, alone: answered at once. */
  | { op: 'abandon', id: number, more: boolean }
  /** Brings the search indexes up to date with the group's commit: answered once committed. */
  | { op: 'catch-up', id: number, more: boolean, inFlight: number }
  /** Commits the group, then runs a statement outside any transaction (a setting). */
  | { op: 'alone', id: number, query: Query }
  | { op: 'close', id: number }

export type WriteReply =
  | { id: number, result: QueryResult<unknown> | null }
  | { id: number, error: ThreadError }

/** What the thread posts: answers in the order of their requests, and its counters. */
export interface WriteReplies { replies: WriteReply[], commits: number, statements: number }

const { path } = workerData as { path: string }
const database = openSqlite(path)
// A request's unit is small: its SAVEPOINT sub-journal stays in memory instead of spilling to a
// file past 64 KiB. Bulk loads go back to files (`prepareBulkLoad`).
database.pragma('temp_store = MEMORY')
// A checkpoint, run by the commit that takes the WAL past this many pages, copies each page the
// WAL holds into the file and syncs both. Most pages a write changes are the same few (the ends
// of the id-ordered indexes, the kept counts, the search indexes' structure): at 4 000 pages
// rather than SQLite's 1 000, 10 000 products took 25 checkpoints instead of 98, writing 5 173
// pages to the file instead of 11 714. The WAL file grows to about 16 MiB. Not from another
// connection: under a steady stream of writes its checkpoints never let the WAL start over.
database.pragma(`wal_autocheckpoint = ${WAL_PAGES_BEFORE_CHECKPOINT}`)
const statements = new StatementCache(database)
const searchIndexes = new SearchIndexCatchUp(database, statements)

let groupOpen = false
let unitOpen = false
// Answers of the units done since the group began, sent once it commits.
let waitingForCommit: WriteReply[] = []
let commitScheduled = false
let commits = 0
let outbox: WriteReply[] = []
// Set when a commit leaves rows the search indexes may lack; their catch-up is due by then.
let catchUpTimer: NodeJS.Timeout | undefined
let catchUpDue = false

function send (reply: WriteReply): void {
  if (outbox.length === 0) queueMicrotask(flush)
  outbox.push(reply)
}

function flush (): void {
  const replies = outbox
  outbox = []
  const message: WriteReplies = { replies, commits, statements: statements.size }
  parentPort!.postMessage(message)
}

function failure (id: number, error: unknown): WriteReply {
  return { id, error: toThreadError(error) }
}

function openGroup (): void {
  if (groupOpen) return
  statements.run('begin immediate')
  groupOpen = true
}

function startUnit (): void {
  openGroup()
  statements.run('savepoint agora_unit')
}

function finishUnit (id: number, result: QueryResult<unknown> | null, more: boolean, inFlight: number): void {
  try {
    statements.run('release agora_unit')
  } catch (error) {
    abandonUnit(more)
    send(failure(id, error))
    return
  }
  unitDone({ id, result }, more, inFlight)
}

function unitDone (reply: WriteReply, more: boolean, inFlight: number): void {
  waitingForCommit.push(reply)
  // Commits once the group holds half the units in flight: their callers are answered while the
  // other half is written, so the event loop and this thread work at the same time. A group that
  // waited for them all made each wait for the other (`POST /products` at 10 clients: 14-34 % slower).
  if (waitingForCommit.length * 2 >= inFlight) commitGroup()
  else handOver(more)
}

function abandonUnit (more: boolean): void {
  try {
    statements.run('rollback to agora_unit')
    statements.run('release agora_unit')
  } catch (error) {
    // The savepoint is gone with the whole group (SQLite rolls back on some errors itself).
    failGroup(error)
  }
  handOver(more)
}

// Unless another unit is on its way (`more`), the group commits once no message waits.
function handOver (more: boolean): void {
  if (waitingForCommit.length >= MAX_UNITS_PER_COMMIT) commitGroup()
  if (more || commitScheduled || !groupOpen) return
  commitScheduled = true
  setImmediate(() => {
    commitScheduled = false
    // A unit in progress hands over again when it ends.
    if (!unitOpen) commitGroup()
  })
}

function commitGroup (): void {
  if (!groupOpen) return
  const units = waitingForCommit
  waitingForCommit = []
  groupOpen = false
  const catchUp = catchUpDue
  try {
    if (catchUp) searchIndexes.run()
    statements.run('commit')
    commits++
  } catch (error) {
    waitingForCommit = units
    failGroup(error)
    return
  }
  if (catchUp) caughtUp()
  else catchUpLater()
  for (const unit of units) send(unit)
}

function caughtUp (): void {
  catchUpDue = false
  clearTimeout(catchUpTimer)
  catchUpTimer = undefined
}

// Any group may have added rows that a search index lacks.
function catchUpLater (): void {
  catchUpTimer ??= setTimeout(catchUpNow, CATCH_UP_AFTER_MS)
}

function catchUpNow (): void {
  catchUpDue = true
  // An open group catches up as it commits.
  if (groupOpen) return
  try {
    openGroup()
  } catch {
    // The file is locked or failing: the next group catches up, or the next search asks again.
    clearTimeout(catchUpTimer)
    catchUpTimer = undefined
    return
  }
  commitGroup()
}

function failGroup (error: unknown): void {
  const units = waitingForCommit
  waitingForCommit = []
  groupOpen = false
  if (statements.inTransaction) statements.run('rollback')
  for (const unit of units) send(failure(unit.id, error))
}

function handle (request: WriteRequest): void {
  const { id } = request
  switch (request.op) {
    case 'unit': {
      startUnit()
      let result: QueryResult<unknown>
      try {
        result = statements.execute(request.query)
      } catch (error) {
        // Answered here: the abandon has handed over, keeping the group open for `more`.
        abandonUnit(request.more)
        send(failure(id, error))
        return
      }
      finishUnit(id, result, request.more, request.inFlight)
      return
    }
    case 'begin':
      startUnit()
      unitOpen = true
      send({ id, result: null })
      return
    case 'query':
      send({ id, result: statements.execute(request.query) })
      return
    case 'finish':
      unitOpen = false
      finishUnit(id, null, request.more, request.inFlight)
      return
    case 'abandon':
      // A thread started after its predecessor died has no unit open.
      if (unitOpen) {
        unitOpen = false
        abandonUnit(request.more)
      }
      send({ id, result: null })
      return
    case 'catch-up':
      openGroup()
      catchUpDue = true
      unitDone({ id, result: null }, request.more, request.inFlight)
      return
    case 'alone':
      commitGroup()
      send({ id, result: statements.execute(request.query) })
      return
    case 'close':
      // What this process wrote is indexed before it stops.
      if (catchUpTimer !== undefined) catchUpNow()
      commitGroup()
      clearTimeout(catchUpTimer)
      try {
        // SQLite's advice for long-lived connections: refreshes statistics of tables that grew.
        statements.run('pragma optimize')
        statements.run(DROP_VALUE_SAMPLES)
      } catch {
        // Advice only: a file already gone (or read-only) closes all the same.
      }
      statements.close()
      send({ id, result: null })
  }
}

parentPort!.on('message', (request: WriteRequest) => {
  try {
    handle(request)
  } catch (error) {
    send(failure(request.id, error))
    // Whatever failed, the units already done still get their commit.
    if (!unitOpen) handOver(false)
  }
})
