import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'

/** How long a statement waits for another connection's lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000

/** WAL pages at which the writer's commit checkpoints (sqlite-writer-thread.ts). */
export const WAL_PAGES_BEFORE_CHECKPOINT = 4000

/** Run after each ANALYZE: drops the value samples that make SQLite plan on every call (migration 0017). */
export const DROP_VALUE_SAMPLES = 'drop table if exists sqlite_stat4'

/** A connection to Agora's SQLite file, in WAL mode, each commit durable before it returns. */
export function openSqlite (path: string): SQLite.Database {
  mkdirSync(dirname(path), { recursive: true })
  const database = new SQLite(path)
  // First, so that the settings below wait for another process opening the file (switching
  // a new file to WAL takes a lock) instead of failing at once.
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  database.pragma('journal_mode = WAL')
  // better-sqlite3 leaves NORMAL, which can lose the last commits on power loss; FULL makes
  // an acknowledged 201 as durable as a PostgreSQL commit.
  database.pragma('synchronous = FULL')
  database.pragma('foreign_keys = ON')
  return database
}
