import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver, type DatabaseConnection, type DialectAdapter, type Driver, type Kysely, type MigrationLockOptions } from 'kysely'

/** A lock older than this belongs to a process that died while migrating. */
const STALE_LOCK_MS = 10 * 60_000
const LOCK_WAIT_MS = 2 * STALE_LOCK_MS

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
 * Transactions take the write lock when they begin. A deferred one that reads and then
 * writes, while another process (a worker of `serve --workers N`) committed in between,
 * gets SQLITE_BUSY at once: the busy timeout cannot help it. An immediate one waits its
 * turn in the busy timeout instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction (connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

export class SqliteDialectForAgora extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0]

  constructor (config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config)
    this.#config = config
  }

  override createAdapter (): DialectAdapter {
    return new LockingSqliteAdapter()
  }

  override createDriver (): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

export function openSqlite (path: string): SQLite.Database {
  mkdirSync(dirname(path), { recursive: true })
  const database = new SQLite(path)
  database.pragma('journal_mode = WAL')
  // better-sqlite3 leaves WAL at NORMAL, which can lose the last commits on power loss;
  // FULL makes an acknowledged 201 as durable as a PostgreSQL commit.
  database.pragma('synchronous = FULL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 5000')
  return database
}
