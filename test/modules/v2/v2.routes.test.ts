import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser, injectAs, seedUsers, type TestUser } from '../../helpers/users.js'
import { insertTestPost, insertTestProduct } from '../../helpers/rows.js'

const PROBLEM = /^application\/problem\+json/

interface Page {
  items: Array<{ id: number } & Record<string, unknown>>
  next_cursor: string | null
}

/** GETs `url` page by page, calling `between` before each next page; every page as returned. */
async function walk (
  app: FastifyInstance, url: string, limit: number, who?: TestUser, between?: () => Promise<void>
): Promise<Page[]> {
  const pages: Page[] = []
  let cursor: string | null = null
  do {
    const query = `limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
    const options = { url: `${url}?${query}` }
    const res = who === undefined ? await app.inject(options) : await injectAs(app, who, options)
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    const page: Page = res.json()
    pages.push(page)
    cursor = page.next_cursor
    if (cursor !== null) await between?.()
  } while (cursor !== null && pages.length < 1000)
  return pages
}

function ids (pages: Page[]): number[] {
  return pages.flatMap((page) => page.items.map((item) => item.id))
}

async function allIds (app: FastifyInstance, table: 'users' | 'products' | 'posts'): Promise<number[]> {
  const rows = await app.db.selectFrom(table).select('id').orderBy('id').execute()
  return rows.map((row) => row.id)
}

async function seedProducts (app: FastifyInstance, ownerId: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await insertTestProduct(app.db, { name: `Product ${i}`, description: null, price_cents: 1999, quantity: i, owner_id: ownerId }, ['tag'])
  }
}

async function seedPosts (app: FastifyInstance, userId: number, count: number, published = 1): Promise<void> {
  for (let i = 0; i < count; i++) await insertTestPost(app.db, { title: `Post ${i}`, content: 'Text', published, user_id: userId })
}

function assertProblem (
  t: TestContext, res: LightMyRequestResponse, status: number, path: string
): Record<string, any> {
  t.assert.strictEqual(res.statusCode, status, res.body)
  t.assert.match(String(res.headers['content-type']), PROBLEM)
  const body = res.json()
  t.assert.strictEqual(body.status, status)
  t.assert.strictEqual(body.type, 'about:blank')
  t.assert.strictEqual(typeof body.title, 'string')
  t.assert.strictEqual(typeof body.detail, 'string')
  t.assert.strictEqual(body.instance, path)
  return body
}

for (const dialect of testDialects()) {
  describe(`GET /api/v2/users (${dialect})`, () => {
    it('walks 45 users in 5 pages of 10, 10, 10, 10 and 5, each once, by id', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      await seedUsers(app, Array.from({ length: 44 }, (_, i) => ({ name: `Seed ${i}` })))
      const pages = await walk(app, '/api/v2/users', 10, viewer)
      t.assert.deepStrictEqual(pages.map((page) => page.items.length), [10, 10, 10, 10, 5])
      t.assert.deepStrictEqual(pages.map((page) => page.next_cursor === null), [false, false, false, false, true])
      t.assert.deepStrictEqual(ids(pages), await allIds(app, 'users'))
    })

    it('neither skips nor repeats a row when rows are inserted between page requests', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      await seedUsers(app, Array.from({ length: 24 }, (_, i) => ({ name: `Seed ${i}` })))
      const before = await allIds(app, 'users')
      let added = 0
      const pages = await walk(app, '/api/v2/users', 10, viewer, async () => {
        await seedUsers(app, Array.from({ length: 3 }, () => ({ name: `Late ${added++}` })))
      })
      const walked = ids(pages)
      t.assert.deepStrictEqual(walked, await allIds(app, 'users'), 'every row, including those added while walking, in id order')
      t.assert.strictEqual(new Set(walked).size, walked.length)
      t.assert.ok(before.every((id) => walked.includes(id)))
      t.assert.ok(added > 0)
      t.assert.ok(pages.slice(0, -1).every((page) => page.items.length === 10), 'every page but the last is full')
    })

    it('ends on a full last page without an empty page after it, and answers an empty list', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      await seedUsers(app, Array.from({ length: 19 }, (_, i) => ({ name: `Seed ${i}` })))
      const pages = await walk(app, '/api/v2/users', 10, viewer)
      t.assert.deepStrictEqual(pages.map((page) => page.items.length), [10, 10])
      t.assert.strictEqual(pages[1]?.next_cursor, null)
      const one = await injectAs(app, viewer, { url: '/api/v2/users?limit=100' })
      t.assert.deepStrictEqual(one.json().items.length, 20)
      t.assert.strictEqual(one.json().next_cursor, null)
    })

    it('defaults to 20 a page and shows e-mails only to their owner', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      await seedUsers(app, Array.from({ length: 25 }, (_, i) => ({ name: `Seed ${i}` })))
      const res = await injectAs(app, viewer, { url: '/api/v2/users' })
      t.assert.strictEqual(res.statusCode, 200)
      const { items, next_cursor: next } = res.json()
      t.assert.strictEqual(items.length, 20)
      t.assert.strictEqual(typeof next, 'string')
      t.assert.strictEqual(items[0].email, viewer.user.email)
      t.assert.ok(items.slice(1).every((item: Record<string, unknown>) => !('email' in item) && !('age' in item)))
      t.assert.ok(!res.body.includes('hashed_password') && !res.body.includes('not-a-hash'))
    })

    it('keeps going after the row its cursor names is deleted', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      await seedUsers(app, Array.from({ length: 9 }, (_, i) => ({ name: `Seed ${i}` })))
      const first = (await injectAs(app, viewer, { url: '/api/v2/users?limit=5' })).json()
      await app.db.deleteFrom('users').where('id', '=', first.items[4].id).execute()
      const second = await injectAs(app, viewer, { url: `/api/v2/users?limit=5&cursor=${first.next_cursor}` })
      t.assert.deepStrictEqual(second.json().items.map((item: { id: number }) => item.id), (await allIds(app, 'users')).slice(4))
    })

    it('answers a limit out of 1–100 with a 422 problem', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      for (const limit of ['0', '101', '-1', 'abc', '1.5']) {
        const res = await injectAs(app, viewer, { url: `/api/v2/users?limit=${limit}` })
        const body = assertProblem(t, res, 422, '/api/v2/users')
        t.assert.strictEqual(body.title, 'Unprocessable Entity')
        t.assert.deepStrictEqual(body.errors.map((e: { loc: unknown[] }) => e.loc), [['query', 'limit']], limit)
        t.assert.strictEqual(typeof body.errors[0].msg, 'string')
        t.assert.strictEqual(typeof body.errors[0].type, 'string')
      }
      for (const limit of ['1', '100']) {
        t.assert.strictEqual((await injectAs(app, viewer, { url: `/api/v2/users?limit=${limit}` })).statusCode, 200)
      }
    })

    it('answers a tampered or forged cursor with a 422 problem at query.cursor', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      await seedUsers(app, Array.from({ length: 5 }, (_, i) => ({ name: `Seed ${i}` })))
      const cursor: string = (await injectAs(app, viewer, { url: '/api/v2/users?limit=2' })).json().next_cursor
      const [payload = '', signature = ''] = cursor.split('.')
      const flip = (text: string, at: number): string => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1)
      const forged = Buffer.from(JSON.stringify({ resource: 'users', last_id: 1 })).toString('base64url')
      const tampered = [
        flip(payload, 3),
        `${payload}.${flip(signature, 5)}`,
        `${Buffer.from(JSON.stringify({ resource: 'users', last_id: 4 })).toString('base64url')}.${signature}`,
        forged,
        `${forged}.`,
        Buffer.from(JSON.stringify({ last_id: 2 })).toString('base64url'),
        'abc', '.', `${cursor}.${signature}`, '%%%', `${payload}.${signature}=`, 'x'.repeat(513)
      ]
      for (const bad of tampered) {
        const res = await injectAs(app, viewer, { url: `/api/v2/users?cursor=${encodeURIComponent(bad)}` })
        const body = assertProblem(t, res, 422, '/api/v2/users')
        t.assert.deepStrictEqual(body.errors.map((e: { loc: unknown[] }) => e.loc), [['query', 'cursor']], bad)
      }
    })

    it('answers a missing or invalid token with a 401 problem and WWW-Authenticate', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const headers of [{}, { authorization: 'Bearer not-a-token' }]) {
        const res = await app.inject({ url: '/api/v2/users?limit=5', headers })
        const body = assertProblem(t, res, 401, '/api/v2/users')
        t.assert.strictEqual(body.title, 'Unauthorized')
        t.assert.strictEqual(res.headers['www-authenticate'], 'Bearer')
        t.assert.strictEqual(body.errors, undefined)
      }
    })
  })

  describe(`GET /api/v2/products (${dialect})`, () => {
    it('walks every product once, in the v1 shape, with no sign-in', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const [owner] = await seedUsers(app, [{ name: 'Owner' }])
      await seedProducts(app, owner!.id, 23)
      let added = 0
      const pages = await walk(app, '/api/v2/products', 10, undefined, async () => {
        if (added++ < 2) await seedProducts(app, owner!.id, 4)
      })
      t.assert.deepStrictEqual(pages.map((page) => page.items.length), [10, 10, 10, 1])
      t.assert.deepStrictEqual(ids(pages), await allIds(app, 'products'))
      const v1 = await app.inject({ url: '/api/v1/products?page_size=1' })
      t.assert.deepStrictEqual(pages[0]?.items[0], v1.json().items[0])
      t.assert.strictEqual(pages[0]?.items[0]?.price, 19.99)
      t.assert.deepStrictEqual(pages[0]?.items[0]?.tags, ['tag'])
    })

    it('refuses a users cursor, and a products cursor on users', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      await seedUsers(app, [{ name: 'A' }, { name: 'B' }])
      await seedProducts(app, viewer.user.id, 3)
      const usersCursor: string = (await injectAs(app, viewer, { url: '/api/v2/users?limit=1' })).json().next_cursor
      const productsCursor: string = (await app.inject({ url: '/api/v2/products?limit=1' })).json().next_cursor
      const onProducts = await app.inject({ url: `/api/v2/products?cursor=${usersCursor}` })
      t.assert.deepStrictEqual(assertProblem(t, onProducts, 422, '/api/v2/products').errors[0].loc, ['query', 'cursor'])
      const onUsers = await injectAs(app, viewer, { url: `/api/v2/users?cursor=${productsCursor}` })
      t.assert.deepStrictEqual(assertProblem(t, onUsers, 422, '/api/v2/users').errors[0].loc, ['query', 'cursor'])
      const onPosts = await app.inject({ url: `/api/v2/posts?cursor=${productsCursor}` })
      assertProblem(t, onPosts, 422, '/api/v2/posts')
    })
  })

  describe(`GET /api/v2/posts (${dialect})`, () => {
    it('shows published posts to everyone, drafts to their author, and all to an admin', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const author = await createUser(app)
      const other = await createUser(app)
      const admin = await createUser(app, { role: 'admin' })
      await seedPosts(app, author.user.id, 7)
      await seedPosts(app, author.user.id, 4, 0)
      await seedPosts(app, other.user.id, 3, 0)
      const count = async (who?: TestUser): Promise<number> => ids(await walk(app, '/api/v2/posts', 3, who)).length
      t.assert.strictEqual(await count(), 7)
      t.assert.strictEqual(await count(author), 11)
      t.assert.strictEqual(await count(other), 10)
      t.assert.strictEqual(await count(admin), 14)
      const drafts = (await walk(app, '/api/v2/posts', 100, author)).flatMap((page) => page.items).filter((post) => post.published === false)
      t.assert.ok(drafts.length === 4 && drafts.every((post) => post.user_id === author.user.id))
    })

    it('answers an invalid token with a 401 problem', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const res = await app.inject({ url: '/api/v2/posts', headers: { authorization: 'Bearer nope' } })
      assertProblem(t, res, 401, '/api/v2/posts')
    })
  })
}
