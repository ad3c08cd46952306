import {
  SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type DatabaseIntrospector, type Dialect, type DialectAdapter,
  type Driver, type Kysely, type LimitNode, type MigrationLockOptions, type QueryCompiler
} from 'kysely'
import { BUSY_TIMEOUT_MS, openSqlite } from './sqlite-connection.js'
import { GroupCommitSqliteDriver } from './sqlite-driver.js'
import { SqliteReaderThreads } from './sqlite-reader-threads.js'

/** A lock older than this belongs to a process that died while migrating. */
const STALE_LOCK_MS = 10 * 60_000
const LOCK_WAIT_MS = 2 * STALE_LOCK_MS

// Kysely's SQLite migration lock is a no-op, so two processes on one file would both run a
// pending migration. `is_locked` holds the time it was taken, so a crashed process's lock expires.
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

// `limit +?` for `limit ?`: SQLite plans a statement again whenever the value of a bare `limit ?`
// is bound anew, as better-sqlite3 does on every call. The planner does not look into `+?`.
class AgoraSqliteQueryCompiler extends SqliteQueryCompiler {
  protected override visitLimit (node: LimitNode): void {
    this.append('limit +')
    this.visitNode(node.limit)
  }
}

/** Kysely's SQLite dialect with Agora's driver (group commit, a read connection) and migration lock. */
export class SqliteDialectForAgora implements Dialect {
  driver: GroupCommitSqliteDriver | undefined

  /** `readerThreads`: at most, for the reads `readOffLoop` sends (sqlite-reader-threads.ts). */
  constructor (private readonly path: string, private readonly readerThreads = 1) {}

  createDriver (): Driver {
    // First: it makes the file in WAL mode, and a path that cannot be opened fails now, not at
    // the first write.
    const reader = openSqlite(this.path)
    reader.pragma('query_only = ON')
    const threads = new SqliteReaderThreads(this.path, BUSY_TIMEOUT_MS, this.readerThreads)
    this.driver = new GroupCommitSqliteDriver(this.path, reader, threads)
    return this.driver
  }

  createQueryCompiler (): QueryCompiler { return new AgoraSqliteQueryCompiler() }
  createAdapter (): DialectAdapter { return new LockingSqliteAdapter() }
  createIntrospector (db: Kysely<any>): DatabaseIntrospector { return new SqliteIntrospector(db) }
}
