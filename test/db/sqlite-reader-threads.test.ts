import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { sql, type Compilable, type Kysely, type RawBuilder } from 'kysely'
import { directReader, readOffLoop, sqlitePath } from '../../src/db/database.js'
import { searchText } from '../../src/db/dialect-sql.js'
import { readerThreadCount, SqliteReaderThreads } from '../../src/db/sqlite-reader-threads.js'
import { countProducts } from '../../src/modules/products/products.totals.js'
import { insertUser } from '../../src/modules/users/users.repository.js'
import { testDialects } from '../helpers/build-app.js'
import { testDb } from '../jobs/helpers.js'
import { waitFor } from '../helpers/wait.js'
import { insertTestProduct } from '../helpers/rows.js'

// A read that keeps one core busy for a while (about 0.1–0.5 s).
const SLOW_COUNT = sql<{ count: number }>`with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000000) select count(*) as count from n`

/** Raw SQL as something `readOffLoop` runs. */
function query<R> (db: Kysely<any>, raw: RawBuilder<R>): Compilable<R> {
  return { compile: () => raw.compile(db) }
}

for (const dialect of testDialects()) {
  describe(`readOffLoop (${dialect})`, () => {
    it('gives the rows the connection gives, and sees every commit made before it', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', age: null, role: 'user' })
      for (let i = 0; i < 30; i++) {
        await insertTestProduct(db, { name: `${i % 3 === 0 ? 'Walnut' : 'Oak'} shelf ${i}`, price_cents: 100 + i, quantity: i, owner_id: owner.id }, [])
        // Each total is read right after the commit of the row it must count.
        t.assert.strictEqual(await countProducts(db, { text: searchText('walnut') }), Math.floor(i / 3) + 1)
      }
      const stocked = db.selectFrom('products').select(['id', 'name', 'price_cents']).where('quantity', '>', 10).orderBy('id')
      t.assert.deepStrictEqual(await readOffLoop(db, stocked), await stocked.execute())
      // Many at once: each caller gets its own rows back.
      const prices = await Promise.all(Array.from({ length: 40 }, async (_, i) =>
        await readOffLoop(db, db.selectFrom('products').select('price_cents').where('quantity', '=', i % 30))))
      const expected = Array.from({ length: 40 }, (_, i) => 100 + (i % 30))
      t.assert.deepStrictEqual(prices.map((rows) => Number(rows[0]?.price_cents)), expected)
    })

    it('runs in the transaction it is given', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', age: null, role: 'user' })
      const seen = await db.transaction().execute(async (trx) => {
        await insertTestProduct(trx, { name: 'Walnut desk', price_cents: 100, quantity: 1, owner_id: owner.id }, [])
        // Not a search: on SQLite the search index takes a transaction's rows as it commits.
        return await countProducts(trx, { minCents: 100 })
      })
      t.assert.strictEqual(seen, 1)
    })
  })
}

describe('SQLite reader threads', () => {
  it('leave the event loop free while a read runs, and start only when first needed', async (t: TestContext) => {
    const { db } = await testDb(t, 'sqlite')
    const threads = directReader(db)!.threads
    t.assert.strictEqual(threads.started, 0)
    let ticks = 0
    const ticker = setInterval(() => { ticks++ }, 1)
    t.after(() => clearInterval(ticker))
    const rows = await readOffLoop(db, query(db, SLOW_COUNT))
    clearInterval(ticker)
    t.assert.strictEqual(Number(rows[0]?.count), 2_000_000)
    t.assert.ok(ticks >= 5, `the event loop ticked ${ticks} times`)
    t.assert.strictEqual(threads.started, 1)
  })

  it('are one a process when every core has a process of its own', async (t: TestContext) => {
    const { db } = await testDb(t, 'sqlite', { WORKERS: 'auto' })
    const rows = await Promise.all([1, 2].map(async () => await readOffLoop(db, query(db, SLOW_COUNT))))
    t.assert.deepStrictEqual(rows.map((r) => Number(r[0]?.count)), [2_000_000, 2_000_000])
    t.assert.strictEqual(directReader(db)!.threads.started, 1)
  })

  it('share reads among up to `size` threads', async (t: TestContext) => {
    const { db, config } = await testDb(t, 'sqlite')
    const threads = new SqliteReaderThreads(sqlitePath(config), 1000, 2)
    t.after(async () => await threads.close())
    const slowCount = SLOW_COUNT.compile(db)
    const counts = await Promise.all([1, 2, 3].map(async () => await threads.read<{ count: number }>(slowCount)))
    t.assert.deepStrictEqual(counts.map((rows) => Number(rows[0]?.count)), [2_000_000, 2_000_000, 2_000_000])
    t.assert.strictEqual(threads.started, 2)
    await threads.close()
    t.assert.strictEqual(threads.started, 0)
    await t.assert.rejects(threads.read(slowCount), /not open/)
    t.assert.strictEqual(threads.started, 0)
  })

  it('are as many as a process\'s share of the cores, at least one', (t: TestContext) => {
    const cases = [[1, 2], [2, 2], [3, 8], [64, 64], [1, 1], [4, 2]]
    const counts = cases.map(([processes, cores]) => readerThreadCount(processes!, cores))
    t.assert.deepStrictEqual(counts, [2, 1, 2, 1, 1, 1])
  })

  it('fail a read with the driver\'s error and code, and refuse to write', async (t: TestContext) => {
    const { db } = await testDb(t, 'sqlite')
    await t.assert.rejects(readOffLoop(db, query(db, sql`select * from no_such_table`)), { code: 'SQLITE_ERROR', message: /no such table/ })
    await t.assert.rejects(readOffLoop(db, query(db, sql`delete from products`)), /only statements that return rows/)
    await t.assert.rejects(readOffLoop(db, query(db, sql`delete from products returning id`)), { code: 'SQLITE_READONLY' })
    const unsendable = { ...sql`select ${1} as one`.compile(db), parameters: [() => 1] }
    await t.assert.rejects(directReader(db)!.threads.read(unsendable), { name: 'DataCloneError' })
    // The thread is still there for the next read.
    t.assert.deepStrictEqual(await readOffLoop(db, query(db, sql<{ one: number }>`select 1 as one`)), [{ one: 1 }])
  })

  it('replace a thread that died, after failing its reads', async (t: TestContext) => {
    const { db, config } = await testDb(t, 'sqlite')
    const missing = new SqliteReaderThreads(join(sqlitePath(config), 'missing.db'), 1000, 1)
    t.after(async () => await missing.close())
    const select = sql`select 1`.compile(db)
    await t.assert.rejects(missing.read(select), { code: 'SQLITE_CANTOPEN' })
    await waitFor(() => missing.started === 0, 10_000, 'the dead thread to be let go')
    await t.assert.rejects(missing.read(select), { code: 'SQLITE_CANTOPEN' })
  })
})
