import { describe, it, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { migrateToLatest } from '../../src/db/migrate.js'
import { deleteProduct, updateProduct } from '../../src/modules/products/products.repository.js'
import { countProducts } from '../../src/modules/products/products.totals.js'
import { countUsers, deleteUser, insertUser } from '../../src/modules/users/users.repository.js'
import { MAX_CENTS } from '../../src/lib/money.js'
import { bucketBounds, priceBucket } from '../../src/modules/products/price-buckets.js'
import { testDialects } from '../helpers/build-app.js'
import { migrateDownThrough, testDb } from '../jobs/helpers.js'
import { insertTestProduct } from '../helpers/rows.js'

const user = (n: number) => ({ name: `User ${n}`, email: `user${n}@example.com`, hashed_password: 'x', role: 'user' as const })
const product = (ownerId: number, n: number) => ({ name: `Product ${n}`, price_cents: 100 * n, quantity: 1, owner_id: ownerId })

for (const dialect of testDialects()) {
  describe(`row counts (${dialect})`, () => {
    it('stay exact under concurrent inserts and deletes, cascades included', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owners = await Promise.all([1, 2, 3, 4].map(async (n) => await insertUser(db, user(n))))
      // Concurrent transactions, each inserting several products, some of them rolled back.
      const insertThree = async (i: number): Promise<void> => await db.transaction().execute(async (trx) => {
        for (let j = 0; j < 3; j++) await insertTestProduct(trx, product(owners[i % 4]!.id, i * 3 + j + 1), ['tag'])
        if (i % 5 === 0) throw new Error('rolled back')
      })
      await Promise.allSettled(Array.from({ length: 40 }, async (_, i) => await insertThree(i)))
      const ids = (await db.selectFrom('products').select('id').execute()).map((row) => row.id)
      t.assert.strictEqual(ids.length, 32 * 3)
      await Promise.all(ids.slice(0, 20).map(async (id) => await deleteProduct(db, id)))
      // Deleting a user deletes their products by cascade; the count follows.
      await deleteUser(db, owners[0]!.id)
      const { products } = await db.selectFrom('products').select((eb) => eb.fn.countAll<number>().as('products')).executeTakeFirstOrThrow()
      t.assert.strictEqual(await countProducts(db, {}), Number(products))
      t.assert.ok(Number(products) < 76)
      t.assert.strictEqual(await countUsers(db), 3)
    })

    it('give tag rows their product\'s price, and follow a change of it', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owner = await insertUser(db, user(1))
      const created = await insertTestProduct(db, product(owner.id, 5), ['a', 'b'])
      const prices = async () => (await db.selectFrom('product_tags').select('price_cents').where('product_id', '=', created.id).execute())
        .map((row) => Number(row.price_cents))
      t.assert.deepStrictEqual(await prices(), [500, 500])
      await db.transaction().execute(async (trx) =>
        await updateProduct(trx, created.id, { price_cents: 1999 }, undefined))
      t.assert.deepStrictEqual(await prices(), [1999, 1999])
      await db.transaction().execute(async (trx) => await updateProduct(trx, created.id, { price_cents: 2500 }, ['c']))
      t.assert.deepStrictEqual(await prices(), [2500])
      t.assert.strictEqual(await countProducts(db, { tag: 'c', minCents: 2500, maxCents: 2500 }), 1)
    })

    it('give tag rows their product\'s creation time, those of migration 0018 too', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const owner = await insertUser(db, user(1))
      const tagRows = async () => await db.selectFrom('product_tags').innerJoin('products', 'products.id', 'product_tags.product_id')
        .select(['product_tags.product_id', 'product_tags.tag', sql<boolean>`product_tags.created_at = products.created_at`.as('same')])
        .orderBy('product_tags.product_id').orderBy('product_tags.tag').execute()
      const created = await insertTestProduct(db, { ...product(owner.id, 1), created_at: '2020-01-02T03:04:05.678Z' }, ['a', 'b'])
      await db.transaction().execute(async (trx) => await updateProduct(trx, created.id, { price_cents: 1999 }, ['c', 'd']))
      await insertTestProduct(db, product(owner.id, 2), ['a'])
      const same = (rows: Awaited<ReturnType<typeof tagRows>>) => rows.map((row) => `${row.tag} ${String(Boolean(row.same))}`)
      t.assert.deepStrictEqual(same(await tagRows()), ['c true', 'd true', 'a true'])
      await migrateDownThrough(db, config, '2026_12_05_0018_tag_rows_carry_name_and_date')
      const older = await db.insertInto('products').values({ ...product(owner.id, 3), created_at: '2019-05-06T07:08:09.000Z', tags_json: '["e"]' }).returning('id').executeTakeFirstOrThrow()
      await db.insertInto('product_tags').values({ product_id: older.id, tag: 'e', position: 0 }).execute()
      await migrateToLatest(db, config)
      t.assert.deepStrictEqual(same(await tagRows()), ['c true', 'd true', 'a true', 'e true'])
    })

    it('give tag rows their product\'s name, follow a rename, and name those of migration 0018 too', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const owner = await insertUser(db, user(1))
      const names = async () => (await db.selectFrom('product_tags').innerJoin('products', 'products.id', 'product_tags.product_id')
        .select(['product_tags.tag', 'product_tags.name', 'products.name as product']).orderBy('product_tags.product_id').orderBy('product_tags.tag').execute())
        .map((row) => `${row.tag} ${row.name} ${String(row.name === row.product)}`)
      const created = await insertTestProduct(db, product(owner.id, 1), ['a', 'b'])
      t.assert.deepStrictEqual(await names(), ['a Product 1 true', 'b Product 1 true'])
      await db.transaction().execute(async (trx) => await updateProduct(trx, created.id, { name: 'Renamed' }, undefined))
      t.assert.deepStrictEqual(await names(), ['a Renamed true', 'b Renamed true'])
      await db.transaction().execute(async (trx) => await updateProduct(trx, created.id, { name: 'Again', price_cents: 700 }, ['c']))
      t.assert.deepStrictEqual(await names(), ['c Again true'])
      await migrateDownThrough(db, config, '2026_12_05_0018_tag_rows_carry_name_and_date')
      const older = await db.insertInto('products').values({ ...product(owner.id, 2), tags_json: '["d"]' }).returning('id').executeTakeFirstOrThrow()
      await db.insertInto('product_tags').values({ product_id: older.id, tag: 'd', position: 0 }).execute()
      await migrateToLatest(db, config)
      t.assert.deepStrictEqual(await names(), ['c Again true', 'd Product 2 true'])
    })

    it('keep the products of each tag and in stock exact under concurrent changes, cascades included', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owners = await Promise.all([1, 2, 3].map(async (n) => await insertUser(db, user(n))))
      const tags = ['red', 'green', 'blue']
      // Concurrent transactions, some rolled back: products with 0–2 tags, half of them out of stock.
      const insertOne = async (i: number): Promise<void> => await db.transaction().execute(async (trx) => {
        const row = { ...product(owners[i % 3]!.id, i + 1), quantity: i % 2 }
        const created = await insertTestProduct(trx, row, tags.slice(i % 3, i % 3 + (i % 3)))
        if (i % 4 === 0) await updateProduct(trx, created.id, { quantity: i % 2 === 0 ? 5 : 0 }, ['blue', 'red'])
        if (i % 7 === 0) throw new Error('rolled back')
      })
      await Promise.allSettled(Array.from({ length: 30 }, async (_, i) => await insertOne(i)))
      const ids = (await db.selectFrom('products').select('id').orderBy('id').execute()).map((row) => row.id)
      await Promise.all(ids.slice(0, 4).map(async (id) => await deleteProduct(db, id)))
      await Promise.all(ids.slice(4, 10).map(async (id, i) =>
        await db.transaction().execute(async (trx) => await updateProduct(trx, id, { quantity: i % 2 === 0 ? 0 : 7 }, i % 3 === 0 ? ['green'] : undefined))))
      await deleteUser(db, owners[1]!.id)
      for (const tag of [...tags, 'absent']) {
        const { count } = await db.selectFrom('product_tags').select((eb) => eb.fn.countAll<number>().as('count')).where('tag', '=', tag).executeTakeFirstOrThrow()
        t.assert.strictEqual(await countProducts(db, { tag }), Number(count), tag)
        for (const inStock of [true, false]) {
          const { tagged } = await db.selectFrom('product_tags').innerJoin('products', 'products.id', 'product_tags.product_id')
            .select((eb) => eb.fn.countAll<number>().as('tagged')).where('tag', '=', tag)
            .where('products.quantity', inStock ? '>' : '=', 0).executeTakeFirstOrThrow()
          t.assert.strictEqual(await countProducts(db, { tag, inStock }), Number(tagged), `${tag} in stock: ${String(inStock)}`)
        }
      }
      // Every tag row says whether its product is in stock.
      const stale = await db.selectFrom('product_tags').innerJoin('products', 'products.id', 'product_tags.product_id')
        .select('product_tags.product_id').where(sql<boolean>`product_tags.in_stock <> case when products.quantity > 0 then 1 else 0 end`).execute()
      t.assert.deepStrictEqual(stale, [])
      const stock = async (inStock: boolean) => Number((await db.selectFrom('products').select((eb) => eb.fn.countAll<number>().as('count'))
        .where('quantity', inStock ? '>' : '=', 0).executeTakeFirstOrThrow()).count)
      t.assert.strictEqual(await countProducts(db, { inStock: true }), await stock(true))
      t.assert.strictEqual(await countProducts(db, { inStock: false }), await stock(false))
      t.assert.ok(await stock(true) > 0 && await stock(false) > 0)
    })

    it('keep the products of each price bucket exact under concurrent changes, cascades included', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owners = await Promise.all([1, 2, 3].map(async (n) => await insertUser(db, user(n))))
      const tags = ['red', 'green', 'blue']
      // Prices on both sides of bucket and decade edges.
      const prices = [1, 9, 10, 99, 100, 109, 110, 999, 1000, 1099, 1100, 9999, 10_000, 12_345, 99_999, 100_000]
      const priceOf = (i: number): number => prices[i % prices.length]!
      // A third of the products out of stock; some move in or out of stock, with or without a new price.
      const insertOne = async (i: number): Promise<void> => await db.transaction().execute(async (trx) => {
        const row = { ...product(owners[i % 3]!.id, i + 1), price_cents: priceOf(i), quantity: i % 3 === 0 ? 0 : 2 }
        const created = await insertTestProduct(trx, row, tags.slice(i % 3, 1 + (i % 3) * 2))
        if (i % 4 === 0) await updateProduct(trx, created.id, { price_cents: priceOf(i + 5), quantity: i % 8 === 0 ? 3 : 0 }, ['blue', 'red'])
        if (i % 7 === 0) throw new Error('rolled back')
      })
      await Promise.allSettled(Array.from({ length: 60 }, async (_, i) => await insertOne(i)))
      const ids = (await db.selectFrom('products').select('id').orderBy('id').execute()).map((row) => row.id)
      await Promise.all(ids.slice(0, 5).map(async (id) => await deleteProduct(db, id)))
      await Promise.all(ids.slice(5, 20).map(async (id, i) => await db.transaction().execute(async (trx) =>
        await updateProduct(trx, id, { price_cents: priceOf(i * 3), ...(i % 3 === 0 ? {} : { quantity: i % 3 === 1 ? 0 : 9 }) }, i % 2 === 0 ? ['green'] : undefined))))
      const restock = async (id: number, quantity: number) =>
        await db.transaction().execute(async (trx) => await updateProduct(trx, id, { quantity }, undefined))
      await Promise.all(ids.slice(20, 26).map(async (id, i) => await restock(id, i % 2 === 0 ? 0 : 4)))
      await deleteUser(db, owners[1]!.id)

      // Every bucket row is what the rows it counts say, bucket for bucket, in stock or not.
      for (const inStockOnly of [false, true]) {
        const expected = new Map<string, number>()
        const count = (tag: string, cents: number): void => {
          const key = `${tag}/${priceBucket(cents)}`
          expected.set(key, (expected.get(key) ?? 0) + 1)
        }
        for (const row of await db.selectFrom('products').select(['price_cents', 'quantity']).execute()) {
          if (!inStockOnly || row.quantity > 0) count('', Number(row.price_cents))
        }
        const tagRows = db.selectFrom('product_tags').innerJoin('products', 'products.id', 'product_tags.product_id')
          .select(['product_tags.tag', 'product_tags.price_cents', 'products.quantity'])
        for (const row of await tagRows.execute()) {
          if (!inStockOnly || row.quantity > 0) count(row.tag, Number(row.price_cents))
        }
        const kept = new Map<string, number>()
        for (const row of await db.selectFrom(inStockOnly ? 'stock_price_counts' : 'price_counts').select(['tag', 'bucket', 'count']).execute()) {
          const key = `${row.tag}/${Number(row.bucket)}`
          kept.set(key, (kept.get(key) ?? 0) + Number(row.count))
        }
        for (const [key, value] of kept) if (value === 0) kept.delete(key)
        t.assert.deepStrictEqual(new Map([...kept].sort()), new Map([...expected].sort()), `in stock only: ${String(inStockOnly)}`)
      }

      // And a range's total is the count of its rows, at bucket edges and across decades.
      const bounds = [undefined, 0, 1, 9, 10, 99, 100, 101, 999, 1000, 1099, 1100, 5000, 12_345, 99_999, 100_000]
      const stock = { any: sql`true`, in: sql`products.quantity > 0`, out: sql`products.quantity = 0` }
      for (const tag of [undefined, ...tags]) {
        for (const inStock of [undefined, true, false]) {
          for (const minCents of bounds) {
            for (const maxCents of bounds) {
              if (minCents === undefined && maxCents === undefined) continue
              const rows = tag === undefined
                ? sql`products where true`
                : sql`product_tags join products on products.id = product_tags.product_id where tag = ${tag}`
              const { count } = (await sql<{ count: number }>`select count(*) as count from ${rows}
                and ${stock[inStock === undefined ? 'any' : inStock ? 'in' : 'out']}
                and products.price_cents >= ${minCents ?? 0} and products.price_cents <= ${maxCents ?? MAX_CENTS}`.execute(db)).rows[0]!
              t.assert.strictEqual(await countProducts(db, { tag, minCents, maxCents, inStock }), Number(count),
                `${tag ?? 'all'} ${minCents}–${maxCents} in stock: ${String(inStock)}`)
            }
          }
        }
      }
    })

    it('count the stock of the tags and price buckets that exist when migration 0015 runs', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const owner = await insertUser(db, user(1))
      await migrateDownThrough(db, config, '2026_12_05_0015_count_stock_by_tag_and_price')
      const rows = [[1500, 0], [1500, 4], [2500, 1], [12_345, 0], [12_999, 7]].map(([cents, quantity], n) =>
        ({ ...product(owner.id, n + 1), price_cents: cents, quantity }))
      const products = await db.insertInto('products').values(rows as never).returning('id').execute()
      await db.insertInto('product_tags').values(products.flatMap(({ id }, n) =>
        (n % 2 === 0 ? ['a', 'b'] : ['a']).map((tag, position) => ({ product_id: id, tag, position, price_cents: rows[n]!.price_cents }))) as never).execute()
      await migrateToLatest(db, config)
      t.assert.strictEqual(await countProducts(db, { tag: 'a', inStock: true }), 3)
      t.assert.strictEqual(await countProducts(db, { tag: 'b', inStock: false }), 1)
      t.assert.strictEqual(await countProducts(db, { minCents: 1000, maxCents: 13_000, inStock: true }), 3)
      t.assert.strictEqual(await countProducts(db, { tag: 'b', minCents: 100, maxCents: 20_000, inStock: true }), 2)
      const flags = await db.selectFrom('product_tags').select(['product_id', 'in_stock']).where('tag', '=', 'a').orderBy('product_id').execute()
      t.assert.deepStrictEqual(flags.map((row) => Number(row.in_stock)), [0, 1, 1, 0, 1])
    })

    it('keep every count through migration 0016 and its revert, and go on counting', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const owner = await insertUser(db, user(1))
      const totals = async () => await Promise.all([
        {}, { tag: 'a' }, { inStock: true }, { tag: 'a', inStock: true }, { minCents: 1000, maxCents: 13_000 },
        { tag: 'b', minCents: 100, maxCents: 20_000, inStock: true }
      ].map(async (filters) => await countProducts(db, filters)))
      const rowidFree = async () => dialect !== 'sqlite'
        ? []
        : (await sql<{ name: string }>`select name from sqlite_schema where type = 'table' and name like '%counts' and sql like '%without rowid'`.execute(db)).rows
            .map((row) => row.name).sort()
      const tagsOf = (n: number) => n % 2 === 0 ? ['a', 'b'] : ['a']
      // Rows as the schema before migration 0016 takes them: its triggers give tag rows their price and stock.
      const add = async (n: number) => {
        const { id } = await db.insertInto('products').values({ ...product(owner.id, n), quantity: n % 3, tags_json: JSON.stringify(tagsOf(n)) })
          .returning('id').executeTakeFirstOrThrow()
        await db.insertInto('product_tags').values(tagsOf(n).map((tag, position) => ({ product_id: id, tag, position }))).execute()
      }
      const revert0016 = async () => await migrateDownThrough(db, config, '2026_12_05_0016_count_tables_without_rowid')
      await revert0016()
      for (let n = 1; n <= 12; n++) await add(n)
      const before = await totals()
      t.assert.deepStrictEqual(before, [12, 12, 8, 8, 3, 4])
      await migrateToLatest(db, config)
      t.assert.deepStrictEqual(await rowidFree(), dialect === 'sqlite' ? ['price_counts', 'row_counts', 'stock_price_counts', 'tag_counts'] : [])
      t.assert.deepStrictEqual(await totals(), before)
      await insertTestProduct(db, { ...product(owner.id, 13), quantity: 13 % 3 }, tagsOf(13))
      t.assert.deepStrictEqual(await totals(), [13, 13, 9, 9, 4, 4])
      await revert0016()
      t.assert.deepStrictEqual(await rowidFree(), [])
      await add(14)
      t.assert.deepStrictEqual(await totals(), [14, 14, 10, 10, 5, 5])
    })
  })
}

describe('price buckets', () => {
  it('hold every price in one bucket, in order, with no gap between buckets', (t: TestContext) => {
    t.assert.strictEqual(priceBucket(12_345), 512)
    t.assert.deepStrictEqual(bucketBounds(512), [12_000, 12_999])
    t.assert.deepStrictEqual(bucketBounds(priceBucket(7)), [7, 7])
    let previous = priceBucket(0)
    for (let cents = 1; cents <= 2_000_000; cents += cents < 20_000 ? 1 : 97) {
      const bucket = priceBucket(cents)
      const [low, high] = bucketBounds(bucket)
      t.assert.ok(low <= cents && cents <= high, `${cents} in ${bucket}`)
      if (bucket !== previous) {
        t.assert.ok(bucket > previous)
        t.assert.strictEqual(bucketBounds(previous)[1] + 1, low, `${bucket} starts where ${previous} ends`)
        previous = bucket
      }
    }
    t.assert.deepStrictEqual(bucketBounds(priceBucket(MAX_CENTS + 1)), [100_000_000_000, 109_999_999_999])
  })
})
