// One reader thread (sqlite-reader-threads.ts): a read-only connection that runs what it is sent.
import { parentPort, workerData } from 'node:worker_threads'
import SQLite from 'better-sqlite3'
import { toThreadError, type ThreadError } from './db-thread.js'
import { rowsOf, StatementCache } from './statement-cache.js'

export interface ReadRequest { id: number, sql: string, parameters: readonly unknown[] }
export type ReadReply =
  | { id: number, rows: unknown[] }
  | { id: number, error: ThreadError }

const { path, busyTimeoutMs } = workerData as { path: string, busyTimeoutMs: number }
const database = new SQLite(path, { fileMustExist: true })
database.pragma(`busy_timeout = ${busyTimeoutMs}`)
database.pragma('query_only = ON')
const statements = new StatementCache(database)

parentPort!.on('message', ({ id, sql, parameters }: ReadRequest) => {
  let reply: ReadReply
  try {
    // Outside any transaction: the statement sees every commit made before it runs.
    const { statement, toRow } = statements.prepare(sql)
    if (toRow === undefined) throw new Error('a reader thread runs only statements that return rows')
    reply = { id, rows: rowsOf(statement, toRow, parameters) }
  } catch (error) {
    reply = { id, error: toThreadError(error) }
  }
  parentPort!.postMessage(reply)
})
