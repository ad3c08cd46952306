import { describe, it, type TestContext } from 'node:test'
import SQLite from 'better-sqlite3'
import { sql, type Kysely } from 'kysely'
import { createDb, sqlitePath } from '../../src/db/database.js'
import { analyzeIfNeverAnalyzed, finishBulkLoad, searchText } from '../../src/db/dialect-sql.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import type { Database } from '../../src/db/tables.js'
import { productPageQuery } from '../../src/modules/products/products.list.js'
import { insertUser } from '../../src/modules/users/users.repository.js'
import { migrateDownThrough, testDb } from '../jobs/helpers.js'
import { insertTestProduct } from '../helpers/rows.js'

/** The statistics tables of a SQLite database. */
async function statisticsTables (db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from sqlite_schema where name like 'sqlite_stat%' order by name`.execute(db)
  return rows.map((row) => row.name)
}

async function addProducts (db: Kysely<Database>, count: number): Promise<void> {
  const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', role: 'user' })
  for (let n = 1; n <= count; n++) {
    await insertTestProduct(db, { name: `Product ${n}`, description: null, price_cents: 100 * n, quantity: n % 3, owner_id: owner.id }, [n % 2 === 0 ? 'even' : 'odd'])
  }
}

// SQLite only: PostgreSQL keeps its own statistics, and binds no value into a plan it reuses.
describe('SQLite planner statistics', () => {
  it('keep the per-index averages and drop the value samples after every ANALYZE Agora runs', async (t: TestContext) => {
    const { db, config } = await testDb(t, 'sqlite')
    await addProducts(db, 30)
    await analyzeIfNeverAnalyzed(db)
    t.assert.deepStrictEqual(await statisticsTables(db), ['sqlite_stat1'])
    // SQLite's own ANALYZE takes samples: the checks below start from them.
    await sql`analyze`.execute(db)
    t.assert.deepStrictEqual(await statisticsTables(db), ['sqlite_stat1', 'sqlite_stat4'])
    await finishBulkLoad(db)
    t.assert.deepStrictEqual(await statisticsTables(db), ['sqlite_stat1'])
    // Closing runs `pragma optimize`, which may analyze again.
    await sql`analyze`.execute(db)
    await db.destroy()
    const reopened = createDb(config)
    t.after(async () => await reopened.destroy())
    t.assert.deepStrictEqual(await statisticsTables(reopened), ['sqlite_stat1'])
  })

  it('lose their value samples through migration 0017, and take them again through its revert', async (t: TestContext) => {
    const { db, config } = await testDb(t, 'sqlite')
    await addProducts(db, 30)
    await migrateDownThrough(db, config, '2026_12_05_0017_planner_without_value_samples')
    t.assert.deepStrictEqual(await statisticsTables(db), ['sqlite_stat1', 'sqlite_stat4'])
    await migrateToLatest(db, config)
    t.assert.deepStrictEqual(await statisticsTables(db), ['sqlite_stat1'])
  })

  it('leave a page\'s limit out of its plan, so that a new limit needs no new plan', async (t: TestContext) => {
    const { db, config } = await testDb(t, 'sqlite')
    const compiled = db.selectFrom('products').selectAll().orderBy('id').offset(0).limit(7919).compile()
    t.assert.match(compiled.sql, /limit \+\? offset \?$/)
    const raw = new SQLite(sqlitePath(config), { readonly: true })
    t.after(() => raw.close())
    // The limit bound as an integer, which SQLite writes into the program of a bare `limit ?`.
    const programOf = (text: string) => raw.prepare(`explain ${text}`).all(7919n, 0n) as Array<{ opcode: string, p1: number }>
    const bakedIn = (text: string) => programOf(text).some((op) => op.opcode === 'Integer' && op.p1 === 7919)
    t.assert.strictEqual(bakedIn(compiled.sql.replace('limit +?', 'limit ?')), true)
    t.assert.strictEqual(bakedIn(compiled.sql), false)
    await addProducts(db, 5)
    const page = await db.selectFrom('products').select('id').orderBy('id').offset(1).limit(2).execute()
    t.assert.deepStrictEqual(page.map((row) => row.id), [2, 3])
  })

  it('leave the limit and offset of a search page\'s matches out of its plan, and page through them', async (t: TestContext) => {
    const { db } = await testDb(t, 'sqlite')
    // Bare, either is read while the statement is planned (nothing in its program shows it), so
    // that binding the next call's value plans it again: 52 µs a page over the bench's seed, 38 with `+?`.
    const { sql: text } = productPageQuery(db, { text: searchText('product') }, undefined, 2, 3).compile()
    t.assert.match(text, /match \? order by rowid limit \+\? offset \+\?\)/)
    await addProducts(db, 8)
    const page = await productPageQuery(db, { text: searchText('product') }, undefined, 2, 3).execute()
    t.assert.deepStrictEqual(page.map((row) => row.id), [3, 4, 5])
  })
})
