import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { countProducts } from '../../../src/modules/products/products.totals.js'
import { updateUser } from '../../../src/modules/users/users.repository.js'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser, formerlySignedIn, injectAs, type TestUser } from '../../helpers/users.js'

const valid = { name: 'Pen', price: 1.5, quantity: 3 }

async function create (app: FastifyInstance, who: TestUser, payload: object) {
  return await injectAs(app, who, { method: 'POST', url: '/api/v1/products', payload })
}

/** [loc, type] of each issue of a 422. */
function issues (body: { detail: Array<{ loc: unknown[], type: string }> }): Array<[unknown[], string]> {
  return body.detail.map((issue) => [issue.loc, issue.type])
}

for (const dialect of testDialects()) {
  describe(`POST /api/v1/products (${dialect})`, () => {
    it('creates a product owned by the caller: 201, Location, ETag, every field', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const res = await create(app, ann, { ...valid, description: 'Blue ink', tags: ['office'], owner_id: 999, id: 5 })
      t.assert.strictEqual(res.statusCode, 201)
      const body = res.json()
      t.assert.strictEqual(res.headers.location, `/api/v1/products/${body.id}`)
      t.assert.match(String(res.headers.etag), /^"[^"]+"$/)
      t.assert.deepStrictEqual(Object.keys(body).sort(), ['created_at', 'description', 'id', 'name', 'owner_id', 'price', 'quantity', 'tags', 'updated_at'])
      t.assert.deepStrictEqual(
        {
          name: body.name,
          description: body.description,
          price: body.price,
          quantity: body.quantity,
          tags: body.tags,
          owner_id: body.owner_id
        },
        { name: 'Pen', description: 'Blue ink', price: 1.5, quantity: 3, tags: ['office'], owner_id: ann.user.id }
      )
      t.assert.match(body.created_at, /Z$/)
      // Both times are the database's clock, read once by the insert.
      t.assert.strictEqual(body.updated_at, body.created_at)
      const unprefixed = await create(app, ann, valid)
      t.assert.strictEqual(unprefixed.statusCode, 201)
      t.assert.deepStrictEqual([unprefixed.json().description, unprefixed.json().tags], [null, []])
    })

    it('returns 401 without a token', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const res = await app.inject({ method: 'POST', url: '/api/v1/products', payload: valid })
      t.assert.strictEqual(res.statusCode, 401)
      t.assert.strictEqual(res.headers['www-authenticate'], 'Bearer')
    })

    it('returns 401 to a token of a user deleted, deactivated or whose password changed since, and creates nothing', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const who of await formerlySignedIn(app)) {
        const res = await create(app, who, valid)
        t.assert.deepStrictEqual([res.statusCode, res.json(), res.headers['www-authenticate']], [401, { detail: 'Could not validate credentials' }, 'Bearer'])
      }
      t.assert.strictEqual(await countProducts(app.db, {}), 0)
    })

    it('answers such a token 401 before anything it would answer about the request itself', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      await updateUser(app.db, ann.user.id, { is_active: 0 })
      const requests: InjectOptions[] = [
        { payload: { ...valid, price: 'free' } },
        { payload: '{"name": ', headers: { 'content-type': 'application/json' } },
        { payload: 'name=Pen', headers: { 'content-type': 'text/plain' } },
        { payload: { ...valid, description: 'x'.repeat(2_000_000) } }
      ]
      for (const request of requests) {
        const res = await injectAs(app, ann, { method: 'POST', url: '/api/v1/products', ...request })
        t.assert.deepStrictEqual([res.statusCode, res.headers['www-authenticate']], [401, 'Bearer'], JSON.stringify(request).slice(0, 80))
      }
      // The same requests of a user still signed in get their own answers.
      const bob = await createUser(app)
      const statuses = []
      for (const request of requests) statuses.push((await injectAs(app, bob, { method: 'POST', url: '/api/v1/products', ...request })).statusCode)
      t.assert.deepStrictEqual(statuses, [422, 422, 415, 413])
    })

    it('stores prices exactly and reads them back as sent', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      for (const price of [0.01, 0.1, 0.07, 0.29, 2.01, 4.35, 19.99, 1.1, 123456789.12, 999999999.99, 1000000000]) {
        const res = await create(app, ann, { ...valid, price })
        t.assert.strictEqual(res.statusCode, 201, `price ${price}`)
        t.assert.strictEqual(res.json().price, price)
        const read = await app.inject({ url: `/api/v1/products/${res.json().id}` })
        t.assert.strictEqual(read.json().price, price)
        // The raw JSON text too: 19.99, never 19.990000000000002.
        t.assert.ok(read.body.includes(`"price":${String(price)}`), read.body)
      }
    })

    it('refuses prices that are not > 0, have more than 2 decimals, exceed 10^9 or are not JSON numbers', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const cases: Array<[unknown, string]> = [
        [0, 'greater_than'], [-1, 'greater_than'], [0.001, 'decimal_max_places'], [1e-7, 'decimal_max_places'],
        [19.999, 'decimal_max_places'], [1.000000001, 'decimal_max_places'], [1000000000.01, 'less_than_equal'],
        [1e21, 'less_than_equal'], ['9.99', 'float_type'], [null, 'float_type'], [true, 'float_type']
      ]
      for (const [price, type] of cases) {
        const res = await create(app, ann, { ...valid, price })
        t.assert.strictEqual(res.statusCode, 422, `price ${JSON.stringify(price)}`)
        t.assert.deepStrictEqual(issues(res.json()), [[['body', 'price'], type]], `price ${JSON.stringify(price)}`)
      }
      const missing = await create(app, ann, { name: 'Pen', quantity: 1 })
      t.assert.deepStrictEqual(issues(missing.json()), [[['body', 'price'], 'missing']])
      const list = await app.inject({ url: '/api/v1/products' })
      t.assert.strictEqual(list.json().total, 0)
    })

    it('trims the name to 1–100 characters and refuses a blank one', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const padded = await create(app, ann, { ...valid, name: `  ${'n'.repeat(100)}  ` })
      t.assert.strictEqual(padded.statusCode, 201)
      t.assert.strictEqual(padded.json().name, 'n'.repeat(100))
      for (const name of ['', '   ', 'n'.repeat(101), 42]) {
        const res = await create(app, ann, { ...valid, name })
        t.assert.strictEqual(res.statusCode, 422, `name ${JSON.stringify(name)}`)
        t.assert.deepStrictEqual(res.json().detail.map((i: { loc: unknown[] }) => i.loc), [['body', 'name']])
      }
    })

    it('takes a description of up to 500 characters or null', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      for (const [description, status] of [['d'.repeat(500), 201], [null, 201], ['', 201], ['d'.repeat(501), 422], [5, 422]] as const) {
        const res = await create(app, ann, { ...valid, description })
        t.assert.strictEqual(res.statusCode, status, `description of ${String(description).length}`)
        if (status === 201) t.assert.strictEqual(res.json().description, description)
        else t.assert.deepStrictEqual(res.json().detail.map((i: { loc: unknown[] }) => i.loc), [['body', 'description']])
      }
    })

    it('takes an integer quantity ≥ 0', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      for (const [quantity, status] of [[0, 201], [2_147_483_647, 201], [-1, 422], [1.5, 422], ['3', 422], [2_147_483_648, 422]] as const) {
        const res = await create(app, ann, { ...valid, quantity })
        t.assert.strictEqual(res.statusCode, status, `quantity ${quantity}`)
        if (status === 201) t.assert.strictEqual(res.json().quantity, quantity)
        else t.assert.deepStrictEqual(res.json().detail.map((i: { loc: unknown[] }) => i.loc), [['body', 'quantity']])
      }
    })

    it('normalises tags: trimmed, lower-cased, duplicates dropped in order', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const res = await create(app, ann, { ...valid, tags: ['  Office ', 'ink', 'OFFICE', 'Blue', 'ink', 't'.repeat(30)] })
      t.assert.strictEqual(res.statusCode, 201)
      t.assert.deepStrictEqual(res.json().tags, ['office', 'ink', 'blue', 't'.repeat(30)])
      const read = await app.inject({ url: `/api/v1/products/${res.json().id}` })
      t.assert.deepStrictEqual(read.json().tags, ['office', 'ink', 'blue', 't'.repeat(30)])
      // Ten as sent is the limit, even when they collapse to fewer.
      const ten = await create(app, ann, { ...valid, tags: Array.from({ length: 10 }, () => 'same') })
      t.assert.deepStrictEqual([ten.statusCode, ten.json().tags], [201, ['same']])
    })

    it('refuses more than 10 tags, and blank, too long or non-string tags', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const eleven = await create(app, ann, { ...valid, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) })
      t.assert.deepStrictEqual(issues(eleven.json()), [[['body', 'tags'], 'too_long']])
      const cases: Array<[unknown, string]> = [['   ', 'string_too_short'], ['', 'string_too_short'], ['t'.repeat(31), 'string_too_long'], [7, 'string_type']]
      for (const [tag, type] of cases) {
        const res = await create(app, ann, { ...valid, tags: ['ok', tag] })
        t.assert.strictEqual(res.statusCode, 422, `tag ${JSON.stringify(tag)}`)
        t.assert.deepStrictEqual(issues(res.json()), [[['body', 'tags', 1], type]])
      }
      const notList = await create(app, ann, { ...valid, tags: 'office' })
      t.assert.deepStrictEqual(issues(notList.json()), [[['body', 'tags'], 'list_type']])
    })
  })
}
