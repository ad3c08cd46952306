import { describe, it, type TestContext } from 'node:test'
import { createQueryId, DEFAULT_MIGRATION_TABLE, sql, type Kysely, type RootOperationNode } from 'kysely'
import pg from 'pg'
import { createDb } from '../../src/db/database.js'
import { isoTimestamp } from '../../src/db/postgres-pool.js'
import { prepareBulkLoad } from '../../src/db/dialect-sql.js'
import { migrateDown, migrateToLatest, migrationStatus } from '../../src/db/migrate.js'
import { migrations } from '../../src/db/migrations/index.js'
import { WAL_PAGES_BEFORE_CHECKPOINT } from '../../src/db/sqlite-connection.js'
import { testConfig, testDialects } from '../helpers/build-app.js'
import { runCli } from '../helpers/cli.js'

describe('SQLite connection settings', () => {
  it('uses WAL with synchronous=FULL, foreign keys, a busy timeout and fewer checkpoints', async (t: TestContext) => {
    const db = createDb(testConfig(t, 'sqlite'))
    t.after(async () => await db.destroy())
    const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] as object)[0]
    t.assert.strictEqual(await pragma('journal_mode'), 'wal')
    t.assert.strictEqual(await pragma('synchronous'), 2) // FULL
    t.assert.strictEqual(await pragma('foreign_keys'), 1)
    t.assert.strictEqual(await pragma('busy_timeout'), 5000)
    t.assert.strictEqual(await pragma('temp_store'), 2) // MEMORY: a unit's sub-journal
    t.assert.strictEqual(await pragma('wal_autocheckpoint'), WAL_PAGES_BEFORE_CHECKPOINT)
  })

  it('keeps the sub-journals of a bulk load in files', async (t: TestContext) => {
    const db = createDb(testConfig(t, 'sqlite'))
    t.after(async () => await db.destroy())
    await prepareBulkLoad(db)
    const { rows } = await sql<{ temp_store: number }>`pragma temp_store`.execute(db)
    t.assert.strictEqual(rows[0]?.temp_store, 1) // FILE
  })
})

for (const dialect of testDialects()) {
  describe(`migrations (${dialect})`, () => {
    it('apply, report and revert every migration', async (t: TestContext) => {
      const config = testConfig(t, dialect)
      const db = createDb(config)
      t.after(async () => await db.destroy())
      const names = Object.keys(migrations)
      t.assert.deepStrictEqual(await migrateToLatest(db, config), names)
      t.assert.deepStrictEqual(await migrateToLatest(db, config), [])
      const status = await migrationStatus(db, config)
      t.assert.ok(status.every((m) => m.executedAt instanceof Date))
      t.assert.deepStrictEqual(await migrateDown(db, config), [names.at(-1)])
      t.assert.strictEqual((await migrationStatus(db, config)).at(-1)?.executedAt, undefined)
    })

    it('take no lock at a start that has nothing to migrate, and refuse a database a newer build migrated', async (t: TestContext) => {
      const config = testConfig(t, dialect)
      const db = createDb(config)
      t.after(async () => await db.destroy())
      await migrateToLatest(db, config)
      const statements: string[] = []
      const recorded = db.withPlugin({
        transformQuery: ({ node }) => { statements.push(compiledText(db, node)); return node },
        transformResult: async ({ result }) => await Promise.resolve(result)
      })
      t.assert.deepStrictEqual(await migrateToLatest(recorded, config), [])
      t.assert.ok(statements.length > 0)
      t.assert.deepStrictEqual(statements.filter((text) => /lock|insert|update|delete/i.test(text)), [])

      const table: Kysely<any> = dialect === 'postgres' ? db.withSchema(config.DATABASE_SCHEMA) : db
      await table.insertInto(DEFAULT_MIGRATION_TABLE).values({ name: '2099_01_01_0001_from_a_newer_build', timestamp: new Date().toISOString() }).execute()
      await t.assert.rejects(migrateToLatest(db, config), /corrupted migrations/)
    })

    it('run once when two processes migrate together', async (t: TestContext) => {
      const config = testConfig(t, dialect)
      const env = {
        ...process.env,
        DATA_DIR: config.DATA_DIR,
        DATABASE_URL: config.DATABASE_URL ?? '',
        DATABASE_SCHEMA: config.DATABASE_SCHEMA,
        JWT_SECRET: config.JWT_SECRET
      }
      const runs = await Promise.all([runCli(['migrate', 'up'], env), runCli(['migrate', 'up'], env)])
      t.assert.deepStrictEqual(runs.map((r) => r.code), [0, 0], runs.map((r) => r.output).join('\n'))
      const applied = runs.flatMap((r) => r.output.split('\n').filter((line) => line.startsWith('applied')))
      t.assert.strictEqual(applied.length, Object.keys(migrations).length)
      const db = createDb(config)
      t.after(async () => await db.destroy())
      t.assert.ok((await migrationStatus(db, config)).every((m) => m.executedAt !== undefined))
    })
  })
}

describe('PostgreSQL timestamps', () => {
  it('read as Date#toISOString writes them, in any offset', (t: TestContext) => {
    const parseDate = pg.types.getTypeParser(1184) as (value: string) => Date
    const values = [
      '2026-12-05 09:34:23+00', '2026-12-05 09:34:23.1+00', '2026-12-05 09:34:23.12+00', '2026-12-05 09:34:23.123+00',
      '2026-12-05 09:34:23.123456+00', '2026-12-31 23:59:59.999999+00', '0001-01-01 00:00:00+00',
      '2026-12-05 10:34:23.5+01', '2026-12-05 04:04:23.123456+05:30', '2026-12-05 01:34:23-08'
    ]
    for (const value of values) t.assert.strictEqual(isoTimestamp(value), parseDate(value).toISOString(), value)
  })
})

if (testDialects().includes('postgres')) {
  describe('PostgreSQL pool', () => {
    it('reads timestamps in UTC, as ISO strings', async (t: TestContext) => {
      const db = createDb(testConfig(t, 'postgres'))
      t.after(async () => await db.destroy())
      const { rows } = await sql<{ at: string, zone: string }>`
        select timestamptz '2026-12-05 10:34:23.123456+01' as at, current_setting('TimeZone') as zone`.execute(db)
      t.assert.deepStrictEqual(rows, [{ at: '2026-12-05T09:34:23.123Z', zone: 'UTC' }])
    })

    it('applies the statement timeout', async (t: TestContext) => {
      const db = createDb(testConfig(t, 'postgres', { DATABASE_STATEMENT_TIMEOUT_MS: '200' }))
      t.after(async () => await db.destroy())
      await t.assert.rejects(sql`select pg_sleep(2)`.execute(db), /statement timeout/)
    })

    it('survives the server dropping its connections', async (t: TestContext) => {
      const config = testConfig(t, 'postgres', { DATABASE_POOL_MAX: '2' })
      const db = createDb(config)
      t.after(async () => await db.destroy())
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)
      const admin = new pg.Client({ connectionString: config.DATABASE_URL })
      await admin.connect()
      await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid])
      await admin.end()
      await new Promise((resolve) => setTimeout(resolve, 100))
      // The idle client's error went to the pool's listener instead of crashing the process.
      t.assert.deepStrictEqual((await sql<{ one: number }>`select 1 as one`.execute(db)).rows, [{ one: 1 }])
    })
  })
}

/** The text of a query node as `db` would run it. */
function compiledText (db: Kysely<any>, node: RootOperationNode): string {
  return db.getExecutor().compileQuery(node, createQueryId()).sql
}
