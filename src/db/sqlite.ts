import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import {
  SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type DatabaseIntrospector, type Dialect, type DialectAdapter,
  type Driver, type Kysely, type LimitNode, type MigrationLockOptions, type QueryCompiler
} from 'kysely'
import { GroupCommitSqliteDriver } from './sqlite-driver.js'
import { SqliteReaderThreads } from './sqlite-reader-threads.js'

/** A lock older than this belongs to a process that died while migrating. */
const STALE_LOCK_MS = 10 * 60_000
const LOCK_WAIT_MS = 2 * STALE_LOCK_MS
/** How long a statement waits for another connection's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000

/**
 * Kysely's SQLite migration lock is a no-op (it assumes one process per file). Two
 * processes on one file would both see a migration as pending, so Agora takes the lock
 * row for real: `is_locked` holds the time it was taken, 0 when free, and a lock left by
 * a crashed process expires.
 */
class LockingSqliteAdapter extends SqliteAdapter {
  override async acquireMigrationLock (db: Kysely<any>, { lockTable, lockRowId }: MigrationLockOptions): Promise<void> {
    const giveUpAt = Date.now() + LOCK_WAIT_MS
    while (true) {
      const now = Date.now()
      const { numUpdatedRows } = await db.updateTable(lockTable)
        .set({ is_locked: now })
        .where('id', '=', lockRowId)
        .where((eb) => eb.or([eb('is_locked', '=', 0), eb('is_locked', '<', now - STALE_LOCK_MS)]))
        .executeTakeFirst()
      if (numUpdatedRows > 0n) return
      if (now > giveUpAt) throw new Error('Timed out waiting for another process to finish migrating')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  override async releaseMigrationLock (db: Kysely<any>, { lockTable, lockRowId }: MigrationLockOptions): Promise<void> {
    await db.updateTable(lockTable).set({ is_locked: 0 }).where('id', '=', lockRowId).execute()
  }
}

/**
 * Kysely's SQLite compiler, with `limit +?` for `limit ?`. SQLite plans a statement with
 * the value bound to a bare `limit ?` (and marks it to be planned again whenever that
 * value is bound anew), and better-sqlite3 binds on every call: a page's statement was
 * parsed and planned again on each request (9 % of a tag page's CPU). `+?` is the same
 * number, which the planner does not look into. README, "How it stays fast".
 */
class AgoraSqliteQueryCompiler extends SqliteQueryCompiler {
  protected override visitLimit (node: LimitNode): void {
    this.append('limit +')
    this.visitNode(node.limit)
  }
}

/** Kysely's SQLite dialect with Agora's driver (group commit, a read connection) and migration lock. */
export class SqliteDialectForAgora implements Dialect {
  /** The driver Kysely made, once it has. */
  driver: GroupCommitSqliteDriver | undefined

  /** `readerThreads`: at most, for the reads `readOffLoop` sends (sqlite-reader-threads.ts). */
  constructor (private readonly path: string, private readonly readerThreads = 1) {}

  createDriver (): Driver {
    const writer = openSqlite(this.path)
    // Each unit of a group commit is a SAVEPOINT, whose sub-journal (the old content of
    // each page the unit changes) SQLite spills to a temporary file past 64 KiB: a product's
    // insert changes 20–40 pages, each then a write to disk. A request's unit is small;
    // bulk loads, whose units are not, go back to files (`prepareBulkLoad`).
    writer.pragma('temp_store = MEMORY')
    const reader = openSqlite(this.path)
    reader.pragma('query_only = ON')
    const threads = new SqliteReaderThreads(this.path, BUSY_TIMEOUT_MS, this.readerThreads)
    this.driver = new GroupCommitSqliteDriver(writer, reader, threads)
    return this.driver
  }

  createQueryCompiler (): QueryCompiler { return new AgoraSqliteQueryCompiler() }
  createAdapter (): DialectAdapter { return new LockingSqliteAdapter() }
  createIntrospector (db: Kysely<any>): DatabaseIntrospector { return new SqliteIntrospector(db) }
}

export function openSqlite (path: string): SQLite.Database {
  mkdirSync(dirname(path), { recursive: true })
  const database = new SQLite(path)
  // First, so that the settings below wait for another process opening the file at the
  // same moment (switching a new file to WAL takes a lock) instead of failing at once.
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  database.pragma('journal_mode = WAL')
  // better-sqlite3 leaves WAL at NORMAL, which can lose the last commits on power loss;
  // FULL makes an acknowledged 201 as durable as a PostgreSQL commit.
  database.pragma('synchronous = FULL')
  database.pragma('foreign_keys = ON')
  return database
}
