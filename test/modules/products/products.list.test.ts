import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser } from '../../helpers/users.js'
import { insertTestProduct } from '../../helpers/rows.js'

interface Seed {
  name: string
  cents: number
  quantity?: number
  tags?: string[]
  description?: string
  created_at?: string
}

/** Inserts products straight through the repository; returns their ids in order. */
async function seedProducts (app: FastifyInstance, seeds: Seed[]): Promise<number[]> {
  const { user } = await createUser(app)
  const ids: number[] = []
  for (const seed of seeds) {
    const { cents, tags = [], quantity = 1, description = null, ...rest } = seed
    const fields = { ...rest, description, price_cents: cents, quantity, owner_id: user.id }
    const row = await insertTestProduct(app.db, fields, tags)
    ids.push(row.id)
  }
  return ids
}

async function list (app: FastifyInstance, query: string) {
  const res = await app.inject({ url: `/api/v1/products?${query}` })
  if (res.statusCode !== 200) throw new Error(`${query}: ${res.statusCode} ${res.body}`)
  return res.json() as {
    items: Array<{ id: number, name: string, price: number }>, total: number, page: number, pages: number
  }
}

const names = async (app: FastifyInstance, query: string) => (await list(app, query)).items.map((p) => p.name)

for (const dialect of testDialects()) {
  describe(`GET /api/v1/products (${dialect})`, () => {
    it('pages by id ascending for anyone, with total and pages', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ids = await seedProducts(app, Array.from({ length: 23 }, (_, i) => ({ name: `p${String(50 - i)}`, cents: 100 })))
      const first = await list(app, '')
      t.assert.deepStrictEqual([first.total, first.pages, first.items.length], [23, 3, 10])
      t.assert.deepStrictEqual(first.items.map((p) => p.id), ids.slice(0, 10))
      // Each item is a product as the contract shapes it, nothing of the row that carried the total.
      const productFields = ['created_at', 'description', 'id', 'name', 'owner_id', 'price', 'quantity', 'tags', 'updated_at']
      t.assert.deepStrictEqual(Object.keys(first.items[0]!).sort(), productFields)
      const last = await app.inject({ url: '/products?page=3&page_size=10' })
      t.assert.deepStrictEqual(last.json().items.map((p: { id: number }) => p.id), ids.slice(20))
      const beyond = await list(app, 'page=99999999999999999&page_size=100')
      t.assert.deepStrictEqual([beyond.items.length, beyond.total], [0, 23])
    })

    it('validates page, page_size, prices, in_stock and sort', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const cases: Array<[string, string]> = [
        ['page=0', 'page'], ['page_size=101', 'page_size'], ['page_size=0', 'page_size'], ['min_price=abc', 'min_price'],
        ['min_price=-1', 'min_price'], ['max_price=x', 'max_price'], ['in_stock=maybe', 'in_stock'], ['sort=price,name', 'sort'],
        ['sort=owner_id', 'sort'], ['sort=--price', 'sort'], [`q=${'q'.repeat(101)}`, 'q']
      ]
      for (const [query, field] of cases) {
        const res = await app.inject({ url: `/api/v1/products?${query}` })
        t.assert.strictEqual(res.statusCode, 422, query)
        t.assert.deepStrictEqual(res.json().detail.map((i: { loc: unknown[] }) => i.loc), [['query', field]], query)
      }
    })

    it('filters by q in the name or description, case-insensitively and literally', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      await seedProducts(app, [
        { name: 'Blue Pen', cents: 100 }, { name: 'Pencil', cents: 100, description: 'a BLUE one' }, { name: 'Red ink', cents: 100 },
        { name: '100% cotton', cents: 100 }, { name: '1000 cotton', cents: 100 }, { name: 'snake_case', cents: 100 },
        { name: 'snakeXcase', cents: 100 }, { name: 'back\\slash', cents: 100 }
      ])
      t.assert.deepStrictEqual(await names(app, 'q=blue'), ['Blue Pen', 'Pencil'])
      t.assert.deepStrictEqual(await names(app, 'q=PEN'), ['Blue Pen', 'Pencil'])
      t.assert.deepStrictEqual(await names(app, 'q=0%25'), ['100% cotton'])
      t.assert.deepStrictEqual(await names(app, 'q=e_c'), ['snake_case'])
      t.assert.deepStrictEqual(await names(app, 'q=k%5Cs'), ['back\\slash'])
      t.assert.strictEqual((await list(app, 'q=blue')).total, 2)
    })

    it('filters by tag case-insensitively', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      await seedProducts(app, [
        { name: 'a', cents: 100, tags: ['office', 'ink'] }, { name: 'b', cents: 100, tags: ['ink'] },
        { name: 'c', cents: 100, tags: ['office'] }, { name: 'd', cents: 100 }
      ])
      t.assert.deepStrictEqual(await names(app, 'tag=office'), ['a', 'c'])
      t.assert.deepStrictEqual(await names(app, 'tag=%20OFFICE%20'), ['a', 'c'])
      t.assert.deepStrictEqual(await names(app, 'tag=ink&q=b'), ['b'])
      t.assert.deepStrictEqual(await names(app, 'tag=paper'), [])
      t.assert.deepStrictEqual((await list(app, 'tag=ink')).items.map((p) => (p as unknown as { tags: string[] }).tags), [['office', 'ink'], ['ink']])
      // An empty tag narrows nothing, alone or with other filters, in the page and its total alike.
      for (const query of ['tag=', 'tag=%20%20&sort=name', 'tag=&max_price=5', 'tag=&min_price=0.5&max_price=5000', 'tag=&in_stock=true']) {
        const page = await list(app, query)
        t.assert.deepStrictEqual([page.items.map((p) => p.name), page.total], [['a', 'b', 'c', 'd'], 4], query)
      }
    })

    it('filters by inclusive price bounds, exactly at the cent', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      await seedProducts(app, [
        { name: 'a', cents: 7 }, { name: 'b', cents: 10 }, { name: 'c', cents: 1998 }, { name: 'd', cents: 1999 }, { name: 'e', cents: 2000 },
        { name: 'f', cents: 100_000_000_000 }
      ])
      t.assert.deepStrictEqual(await names(app, 'min_price=0.07&max_price=0.1'), ['a', 'b'])
      t.assert.deepStrictEqual(await names(app, 'min_price=19.99'), ['d', 'e', 'f'])
      t.assert.deepStrictEqual(await names(app, 'max_price=19.99'), ['a', 'b', 'c', 'd'])
      t.assert.deepStrictEqual(await names(app, 'min_price=19.99&max_price=19.99'), ['d'])
      // Bounds between two cents round inwards.
      t.assert.deepStrictEqual(await names(app, 'min_price=19.985&max_price=19.995'), ['d'])
      t.assert.deepStrictEqual(await names(app, 'min_price=20&max_price=10'), [])
      t.assert.deepStrictEqual(await names(app, 'min_price=1000000000'), ['f'])
      t.assert.deepStrictEqual(await names(app, 'min_price=1e30'), [])
      t.assert.deepStrictEqual(await names(app, 'max_price=1e30&min_price=0'), ['a', 'b', 'c', 'd', 'e', 'f'])
      // The exact total of each range, which price buckets answer (migration 0014).
      const totals: Array<[string, number]> = [
        ['min_price=0.07&max_price=0.1', 2], ['min_price=19.99', 3], ['max_price=19.99', 4], ['min_price=0.08&max_price=19.98', 2],
        ['min_price=20&max_price=10', 0], ['min_price=1000000000', 1], ['min_price=1e30', 0], ['max_price=1e30&min_price=0', 6]
      ]
      for (const [query, total] of totals) t.assert.strictEqual((await list(app, query)).total, total, query)
    })

    it('filters by in_stock', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      await seedProducts(app, [{ name: 'a', cents: 1, quantity: 0 }, { name: 'b', cents: 1, quantity: 1 }, { name: 'c', cents: 1, quantity: 9 }])
      t.assert.deepStrictEqual(await names(app, 'in_stock=true'), ['b', 'c'])
      t.assert.deepStrictEqual(await names(app, 'in_stock=false'), ['a'])
      t.assert.deepStrictEqual(await names(app, ''), ['a', 'b', 'c'])
      t.assert.strictEqual((await list(app, 'in_stock=true')).total, 2)
      // With a price bound too, the total is counted, not kept: each value of in_stock its own.
      for (const [query, expected] of [['in_stock=true&max_price=1', ['b', 'c']], ['in_stock=false&max_price=1', ['a']]] as const) {
        const page = await list(app, query)
        t.assert.deepStrictEqual([page.items.map((p) => p.name), page.total], [expected, expected.length], query)
      }
      // pydantic's spellings: a Python client sends `True`.
      for (const word of ['True', '1', 'yes', 'ON', 't']) t.assert.deepStrictEqual(await names(app, `in_stock=${word}`), ['b', 'c'], word)
      for (const word of ['False', '0', 'no', 'off', 'F']) t.assert.deepStrictEqual(await names(app, `in_stock=${word}`), ['a'], word)
    })

    it('takes the last value of a repeated parameter, as FastAPI does', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      await seedProducts(app, [{ name: 'a', cents: 1, quantity: 0 }, { name: 'b', cents: 1, quantity: 1 }, { name: 'c', cents: 1, quantity: 9 }])
      t.assert.deepStrictEqual(await names(app, 'in_stock=false&in_stock=true'), ['b', 'c'])
      const page = await list(app, 'page_size=1&page=1&page=3')
      t.assert.deepStrictEqual([page.page, page.items.map((p) => p.name)], [3, ['c']])
    })

    it('sorts by name, price and created_at, either way; a descending sort is the ascending one reversed, ties included', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      await seedProducts(app, [
        { name: 'cherry', cents: 300, created_at: '2026-01-03T00:00:00.000Z' },
        { name: 'apple', cents: 100, created_at: '2026-01-02T00:00:00.000Z' },
        { name: 'banana', cents: 300, created_at: '2026-01-01T00:00:00.000Z' },
        { name: 'apple', cents: 50, created_at: '2026-01-04T00:00:00.000Z' }
      ])
      const ids = async (query: string) => (await list(app, query)).items.map((p) => `${p.name}:${p.price}`)
      t.assert.deepStrictEqual(await ids('sort=name'), ['apple:1', 'apple:0.5', 'banana:3', 'cherry:3'])
      t.assert.deepStrictEqual(await ids('sort=-name'), ['cherry:3', 'banana:3', 'apple:0.5', 'apple:1'])
      t.assert.deepStrictEqual(await ids('sort=price'), ['apple:0.5', 'apple:1', 'cherry:3', 'banana:3'])
      t.assert.deepStrictEqual(await ids('sort=-price'), ['banana:3', 'cherry:3', 'apple:1', 'apple:0.5'])
      t.assert.deepStrictEqual(await ids('sort=created_at'), ['banana:3', 'apple:1', 'cherry:3', 'apple:0.5'])
      t.assert.deepStrictEqual(await ids('sort=-created_at'), ['apple:0.5', 'cherry:3', 'apple:1', 'banana:3'])
      t.assert.deepStrictEqual(await ids('sort=-price&page=2&page_size=2'), ['apple:1', 'apple:0.5'])
      for (const key of ['name', 'price', 'created_at']) {
        t.assert.deepStrictEqual(await ids(`sort=-${key}`), (await ids(`sort=${key}`)).reverse(), key)
      }
    })
  })
}
