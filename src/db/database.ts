import { join, resolve } from 'node:path'
import { Kysely, type Compilable } from 'kysely'
import { workerCount, type Config } from '../config.js'
import { PostgresDialectForAgora } from './postgres.js'
import type { DbLogger } from './postgres-pool.js'
import type { GroupCommitSqliteDriver } from './sqlite-driver.js'
import { SqliteDialectForAgora } from './sqlite.js'
import { readerThreadCount } from './sqlite-reader-threads.js'
import type { Database } from './tables.js'

export type Dialect = 'sqlite' | 'postgres'

export function dialectOf (config: Config): Dialect {
  return config.DATABASE_URL?.startsWith('postgres') === true ? 'postgres' : 'sqlite'
}

/** The SQLite file that `config` points at. */
export function sqlitePath (config: Config): string {
  const url = config.DATABASE_URL
  return resolve(url?.startsWith('sqlite:') === true ? url.slice('sqlite:'.length) : join(config.DATA_DIR, 'agora.db'))
}

/** A Kysely instance over better-sqlite3 or a pg pool, with safe settings for each. */
export function createDb (config: Config, log?: DbLogger): Kysely<Database> {
  if (dialectOf(config) === 'postgres') {
    const pool = async () => (await import('./postgres-pool.js')).createPool(config, log)
    return new Kysely<Database>({ dialect: new PostgresDialectForAgora({ pool }) })
  }
  const dialect = new SqliteDialectForAgora(sqlitePath(config), readerThreadCount(workerCount(config)))
  const db = new Kysely<Database>({ dialect })
  if (dialect.driver !== undefined) directReaders.set(db, dialect.driver)
  return db
}

const directReaders = new WeakMap<Kysely<any>, GroupCommitSqliteDriver>()

/** The SQLite driver under a `createDb` instance (not a transaction's): its reads may skip Kysely's hand-off. */
export function directReader (db: Kysely<any>): GroupCommitSqliteDriver | undefined {
  return directReaders.get(db)
}

/** A read of a millisecond or more, off the event loop: on SQLite it sees every commit, not the caller's snapshot. */
export async function readOffLoop<R> (db: Kysely<any>, query: Compilable<R>): Promise<R[]> {
  const compiled = query.compile()
  const driver = directReader(db)
  return driver === undefined ? (await db.executeQuery(compiled)).rows : await driver.readOffLoop<R>(compiled)
}
