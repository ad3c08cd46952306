import { after, before, describe, it, type TestContext } from 'node:test'
import { CompiledQuery, sql, type Compilable, type Kysely } from 'kysely'
import type { Dialect } from '../../src/db/database.js'
import { searchText } from '../../src/db/dialect-sql.js'
import type { Database } from '../../src/db/tables.js'
import type { ProductFilters, ProductOrder } from '../../src/modules/products/products.filters.js'
import { listProducts, productPage, productPageQuery } from '../../src/modules/products/products.list.js'
import { insertUser } from '../../src/modules/users/users.repository.js'
import { productCountQuery } from '../../src/modules/products/products.totals.js'
import { seedDatabase } from '../../src/cli/seed/seed.service.js'
import { testDialects } from '../helpers/build-app.js'
import { testDb } from '../jobs/helpers.js'
import { insertTestProduct } from '../helpers/rows.js'

// Enough rows that a planner prefers an index wherever one helps; PostgreSQL gets fewer
// (then VACUUM ANALYZE) because its inserts are slower and its statistics make up the rest.
const PRODUCTS: Record<Dialect, number> = { sqlite: 200_000, postgres: 20_000 }

/** The plan of the SQL Kysely compiles for `query`, as one text. */
async function plan (db: Kysely<Database>, dialect: Dialect, query: Compilable): Promise<string> {
  const { sql: text, parameters } = query.compile()
  const prefix = dialect === 'sqlite' ? 'explain query plan ' : 'explain '
  const { rows } = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + text, [...parameters]))
  return rows.map((row) => String(row.detail ?? row['QUERY PLAN'])).join('\n')
}

const page = (db: Kysely<Database>, filters: ProductFilters, order?: ProductOrder) =>
  productPageQuery(db, filters, order, 0, 20)

/** A walk's window past every row of the tests' tables: the walk alone decides the page. */
const WHOLE_TABLE = 1_000_000

// A sort of any kind, on either database (SQLite's runs of equal keys included), or a scan of a table.
const NO_SORT = /TEMP B-TREE|Sort|Seq Scan/

for (const dialect of testDialects()) {
  describe(`product list query plans (${dialect})`, () => {
    const cleanups: Array<() => unknown> = []
    let db: Kysely<Database>

    before(async () => {
      ({ db } = await testDb({ after: (fn) => cleanups.push(fn) }, dialect))
      await seedDatabase(db, { users: 100, products: PRODUCTS[dialect], posts: 0 }, { seed: 7, hashedPassword: 'not-a-hash' })
      // As autovacuum leaves a loaded table: statistics, and a visibility map that lets an
      // index answer alone (without it, the planner weighs a heap visit for every entry).
      if (dialect === 'postgres') await sql`vacuum analyze`.execute(db)
    })
    after(async () => {
      for (const fn of cleanups.reverse()) await fn()
    })

    // A rare pair of words (a material and a kind of product), so that an index pays off.
    const q = { text: searchText('walnut tent') }

    it('finds `q` of 3 or more characters through the trigram index', async (t: TestContext) => {
      for (const query of [page(db, q), productCountQuery(db, q)]) {
        const text = await plan(db, dialect, query)
        t.assert.match(text, dialect === 'sqlite' ? /products_fts VIRTUAL TABLE INDEX/ : /Bitmap Index Scan on products_(name|description)_trgm_idx/, text)
      }
    })

    it('takes a `q`-only page of SQLite straight from the index in id order, with no sort', async (t: TestContext) => {
      if (dialect !== 'sqlite') return
      const text = await plan(db, dialect, page(db, q))
      t.assert.match(text, /SCAN products_fts VIRTUAL TABLE INDEX/, text)
      t.assert.doesNotMatch(text, /TEMP B-TREE/, text)
      const withPrice = await plan(db, dialect, page(db, { ...q, minCents: 100 }))
      t.assert.match(withPrice, /products_fts VIRTUAL TABLE INDEX/, withPrice)
    })

    it('walks the sort\'s index for a sorted page of a common word on SQLite, when told to', async (t: TestContext) => {
      if (dialect !== 'sqlite') return
      const common = { text: searchText('walnut') }
      const byPrice = { column: 'price_cents', direction: 'desc' } as const
      const walked = await plan(db, dialect, productPageQuery(db, common, byPrice, 0, 20, WHOLE_TABLE))
      t.assert.match(walked, /SEARCH products USING INDEX products_price_idx \(price_cents>\?\)/, walked)
      t.assert.doesNotMatch(walked, /USE TEMP B-TREE FOR ORDER BY/, walked)
      const sorted = await plan(db, dialect, productPageQuery(db, common, byPrice, 0, 20))
      t.assert.match(sorted, /USE TEMP B-TREE FOR ORDER BY/, sorted)
    })

    it('scans for `q` of 1–2 characters, which has no trigram', async (t: TestContext) => {
      const text = await plan(db, dialect, page(db, { text: searchText('wa') }))
      t.assert.doesNotMatch(text, /products_fts|trgm_idx/, text)
    })

    it('finds `tag` through the (tag, product_id) index', async (t: TestContext) => {
      const text = await plan(db, dialect, page(db, { tag: 'winter' }))
      t.assert.match(text, /product_tags_tag_idx/, text)
    })

    it('finds a product\'s tag rows, to delete or rewrite them, through the primary key (product_id, tag)', async (t: TestContext) => {
      const text = await plan(db, dialect, db.deleteFrom('product_tags').where('product_id', '=', 1234))
      t.assert.match(text, /sqlite_autoindex_product_tags_1 \(product_id=\?\)|product_tags_pkey/, text)
    })

    it('answers a tag with a price range, sorted by price, and its total from the (tag, price_cents, product_id) index', async (t: TestContext) => {
      const filters = { tag: 'winter', minCents: 1_000, maxCents: 50_000 }
      for (const direction of ['asc', 'desc'] as const) {
        const text = await plan(db, dialect, page(db, filters, { column: 'price_cents', direction }))
        t.assert.match(text, /product_tags_tag_price_idx/, text)
        // Nothing is sorted: a descending order's ties go by descending id, the index read backwards.
        t.assert.doesNotMatch(text, NO_SORT, text)
      }
      const count = await plan(db, dialect, productCountQuery(db, filters))
      t.assert.match(count, /product_tags_tag_price_idx/, count)
      t.assert.doesNotMatch(count, /SCAN products|Seq Scan/, count)
    })

    it('answers a tag by date or by name, in stock or not, from the tag rows\' index for that order', async (t: TestContext) => {
      const orders = [[{ column: 'created_at', direction: 'desc' }, /product_tags_tag_created_at_idx/], [{ column: 'name', direction: 'asc' }, /product_tags_tag_name_idx/]] as const
      for (const [order, index] of orders) {
        for (const filters of [{ tag: 'winter' }, { tag: 'winter', inStock: true }]) {
          const text = await plan(db, dialect, page(db, filters, order))
          t.assert.match(text, index, text)
          t.assert.doesNotMatch(text, NO_SORT, text)
        }
      }
    })

    it('finds a price range through the price index', async (t: TestContext) => {
      const range = { minCents: 10_000, maxCents: 10_100 }
      for (const query of [page(db, range), productCountQuery(db, range)]) {
        const text = await plan(db, dialect, query)
        t.assert.match(text, /products_price_idx/, text)
      }
    })

    it('totals a wide price range from its price buckets and the two ends of the price index', async (t: TestContext) => {
      for (const filters of [{ minCents: 2_000, maxCents: 10_000 }, { tag: 'winter', minCents: 1_000, maxCents: 50_000 }]) {
        const text = await plan(db, dialect, productCountQuery(db, filters))
        t.assert.match(text, /price_counts/, text)
        t.assert.match(text, filters.tag === undefined ? /products_price_idx/ : /product_tags_tag_price_idx/, text)
        t.assert.doesNotMatch(text, /SCAN products\b|Seq Scan on products\b/, text)
      }
    })

    it('walks the order\'s index for a filtered page on SQLite, when told to, checking each row', async (t: TestContext) => {
      if (dialect !== 'sqlite') return
      const walks: Array<[ProductFilters, ProductOrder | undefined, RegExp]> = [
        [{ tag: 'winter' }, { column: 'name', direction: 'asc' }, /SEARCH product_tags USING (COVERING )?INDEX product_tags_tag_name_idx \(tag=\? AND name<\?\)/],
        [{ inStock: false }, { column: 'created_at', direction: 'desc' }, /products_created_at_idx \(created_at>\?\)/],
        [{ minCents: 2_000, maxCents: 10_000 }, { column: 'name', direction: 'desc' }, /SEARCH products USING INDEX products_name_idx \(name>\?\)/],
        [{ tag: 'winter', minCents: 1_000, maxCents: 50_000 }, undefined, /SEARCH product_tags USING INDEX product_tags_tag_idx \(tag=\? AND product_id<\?\)/],
        [{ tag: 'winter', inStock: true }, { column: 'price_cents', direction: 'desc' }, /product_tags_tag_price_idx \(tag=\? AND price_cents>\?\)/],
        [{ text: searchText('walnut'), tag: 'winter' }, { column: 'created_at', direction: 'desc' }, /product_tags_tag_created_at_idx \(tag=\? AND created_at>\?\)/],
        [{ text: searchText('walnut'), inStock: true }, undefined, /SEARCH products USING INTEGER PRIMARY KEY \(rowid<\?\)/]
      ]
      for (const [filters, order, index] of walks) {
        const text = await plan(db, dialect, productPageQuery(db, filters, order, 40, 20, WHOLE_TABLE))
        t.assert.match(text, index, text)
        t.assert.doesNotMatch(text, /TEMP B-TREE/, text)
      }
    })

    it('finds the same page walking an order\'s index as the planner finds', async (t: TestContext) => {
      const filterSets: ProductFilters[] = [
        { tag: 'winter' }, { inStock: false }, { inStock: true }, { minCents: 2_000, maxCents: 10_000 },
        { tag: 'winter', minCents: 1_000, maxCents: 50_000 }, { tag: 'winter', inStock: false }, { minCents: 5_000, inStock: true },
        // A search with other filters: in id order its walk tests each row's text.
        { text: searchText('walnut'), tag: 'winter' }, { text: searchText('oak'), inStock: false }, { text: searchText('walnut'), minCents: 2_000, maxCents: 10_000 }
      ]
      const orders: Array<ProductOrder | undefined> = [undefined, ...(['name', 'price_cents', 'created_at'] as const)
        .flatMap((column) => (['asc', 'desc'] as const).map((direction) => ({ column, direction })))]
      const ids = async (query: Compilable<{ id: number }>) =>
        (await db.executeQuery(query.compile())).rows.map((row) => row.id)
      for (const filters of filterSets) {
        for (const order of orders) {
          for (const [offset, limit] of [[0, 20], [40, 20], [1_000, 50]] as const) {
            const planned = await ids(productPageQuery(db, filters, order, offset, limit))
            t.assert.ok(planned.length > 0 || offset > 0, `${JSON.stringify(filters)} finds products`)
            const walked = await ids(productPageQuery(db, filters, order, offset, limit, WHOLE_TABLE))
            t.assert.deepStrictEqual(walked, planned, `${JSON.stringify(filters)} ${JSON.stringify(order)} ${offset}`)
            // As a request gets it: walked up to its bound, or planned.
            const { rows } = await productPage(db, filters, order, offset, limit)
            t.assert.deepStrictEqual(rows.map((row) => row.id), planned, `page: ${JSON.stringify(filters)} ${JSON.stringify(order)} ${offset}`)
          }
        }
      }
    })

    it('finds the page past a walk\'s window when the matches bunch at the far end of the order', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', age: null, role: 'user' })
      // The 500 cheapest of 1 500 products, and the first by name, are the ones in stock: by
      // price or name descending, a walk meets the 1 000 others first, where evenly spread
      // matches would take 60 rows.
      await db.transaction().execute(async (trx) => {
        for (let n = 1; n <= 1_500; n++) {
          const product = { name: `${n <= 500 ? 'A' : 'B'} ${n}`, price_cents: 100 * n, quantity: n <= 500 ? 1 : 0, owner_id: owner.id }
          await insertTestProduct(trx, product, ['all'])
        }
      })
      const inStock = { inStock: true }
      for (const order of [{ column: 'price_cents', direction: 'desc' }, { column: 'name', direction: 'desc' }] as const) {
        for (const [offset, limit] of [[0, 20], [480, 20], [490, 20]] as const) {
          const planned = (await listProducts(db, inStock, order, offset, limit)).map((p) => p.id)
          t.assert.strictEqual(planned.length, Math.min(limit, 500 - offset))
          const { rows, total } = await productPage(db, inStock, order, offset, limit)
          t.assert.strictEqual(total, 500)
          t.assert.deepStrictEqual(rows.map((p) => p.id), planned, `${order.column} ${offset}`)
        }
        // The walk alone stops at its window, short of the page (SQLite; PostgreSQL does not walk).
        if (dialect === 'sqlite') {
          t.assert.deepStrictEqual(await listProducts(db, inStock, order, 0, 20, 184), [])
          t.assert.strictEqual((await listProducts(db, inStock, order, 0, 20, WHOLE_TABLE)).length, 20)
        }
      }
    })

    it('reads each sort from its index, without sorting the table', async (t: TestContext) => {
      const columns = { name: 'products_name_idx', price_cents: 'products_price_idx', created_at: 'products_created_at_idx' } as const
      for (const [column, index] of Object.entries(columns) as Array<[ProductOrder['column'], string]>) {
        for (const direction of ['asc', 'desc'] as const) {
          const text = await plan(db, dialect, page(db, {}, { column, direction }))
          t.assert.match(text, new RegExp(index), `${column} ${direction}: ${text}`)
          t.assert.doesNotMatch(text, NO_SORT, `${column} ${direction}: ${text}`)
        }
      }
    })
  })
}
