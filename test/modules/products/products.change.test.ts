import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser, injectAs, type TestUser } from '../../helpers/users.js'

async function createProduct (app: FastifyInstance, who: TestUser, payload: object = {}) {
  const res = await injectAs(app, who, { method: 'POST', url: '/api/v1/products', payload: { name: 'Pen', price: 19.99, quantity: 3, tags: ['ink'], ...payload } })
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`)
  return { id: res.json().id as number, etag: String(res.headers.etag) }
}

for (const dialect of testDialects()) {
  describe(`GET /api/v1/products/{product_id} (${dialect})`, () => {
    it('serves a product to anyone with an ETag, and 304 for a current If-None-Match', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const { id, etag } = await createProduct(app, ann)
      const res = await app.inject({ url: `/products/${id}` })
      t.assert.strictEqual(res.statusCode, 200)
      t.assert.strictEqual(res.headers.etag, etag)
      t.assert.deepStrictEqual([res.json().price, res.json().tags], [19.99, ['ink']])
      for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const cached = await app.inject({ url: `/api/v1/products/${id}`, headers: { 'if-none-match': header } })
        t.assert.strictEqual(cached.statusCode, 304, header)
        t.assert.strictEqual(cached.body, '')
        t.assert.strictEqual(cached.headers.etag, etag)
      }
      const stale = await app.inject({ url: `/api/v1/products/${id}`, headers: { 'if-none-match': '"stale"' } })
      t.assert.strictEqual(stale.statusCode, 200)
    })

    it('changes the ETag with every update, even within one millisecond', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const { id, etag } = await createProduct(app, ann)
      const tags = new Set([etag])
      for (let i = 0; i < 3; i++) {
        const res = await injectAs(app, ann, { method: 'PATCH', url: `/api/v1/products/${id}`, payload: { quantity: i } })
        tags.add(String(res.headers.etag))
      }
      t.assert.strictEqual(tags.size, 4)
      const old = await app.inject({ url: `/api/v1/products/${id}`, headers: { 'if-none-match': etag } })
      t.assert.strictEqual(old.statusCode, 200)
    })

    it('answers 404 for an unknown id and 422 for a malformed one', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const missing = await app.inject({ url: '/api/v1/products/12345' })
      t.assert.deepStrictEqual([missing.statusCode, missing.json()], [404, { detail: 'Product 12345 not found' }])
      const huge = await app.inject({ url: '/api/v1/products/9223372036854775807' })
      t.assert.strictEqual(huge.statusCode, 404)
      for (const bad of ['0', '-1', 'abc', '1.5', '99999999999999999999']) {
        const res = await app.inject({ url: `/api/v1/products/${bad}` })
        t.assert.strictEqual(res.statusCode, 422, bad)
        t.assert.deepStrictEqual(res.json().detail[0].loc, ['path', 'product_id'])
      }
    })
  })

  describe(`PATCH and DELETE /api/v1/products/{product_id} (${dialect})`, () => {
    it('lets the owner change some fields with the same rules, keeping the rest', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const { id } = await createProduct(app, ann, { description: 'Blue' })
      const res = await injectAs(app, ann, { method: 'PATCH', url: `/api/v1/products/${id}`, payload: { price: 0.1, tags: [' New ', 'new', 'Other'], owner_id: 999 } })
      t.assert.strictEqual(res.statusCode, 200)
      const body = res.json()
      t.assert.deepStrictEqual(
        [body.name, body.description, body.price, body.quantity, body.tags, body.owner_id],
        ['Pen', 'Blue', 0.1, 3, ['new', 'other'], ann.user.id]
      )
      t.assert.ok(body.updated_at >= body.created_at)
      const cleared = await injectAs(app, ann, { method: 'PATCH', url: `/products/${id}`, payload: { description: null, tags: [] } })
      t.assert.deepStrictEqual([cleared.json().description, cleared.json().tags, cleared.json().price], [null, [], 0.1])
      for (const payload of [{ price: 0.001 }, { price: '1' }, { name: ' ' }, { quantity: -1 }, { tags: Array(11).fill('x') }]) {
        const bad = await injectAs(app, ann, { method: 'PATCH', url: `/api/v1/products/${id}`, payload })
        t.assert.strictEqual(bad.statusCode, 422, JSON.stringify(payload))
      }
      const read = await app.inject({ url: `/api/v1/products/${id}` })
      t.assert.deepStrictEqual([read.json().price, read.json().name], [0.1, 'Pen'])
    })

    it('gives 403 to other users, 401 to anonymous callers, and lets an admin in', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const [ann, bob, admin] = [await createUser(app), await createUser(app), await createUser(app, { role: 'admin' })]
      const { id } = await createProduct(app, ann)
      const patch = await injectAs(app, bob, { method: 'PATCH', url: `/api/v1/products/${id}`, payload: { name: 'Mine' } })
      t.assert.deepStrictEqual([patch.statusCode, typeof patch.json().detail], [403, 'string'])
      const del = await injectAs(app, bob, { method: 'DELETE', url: `/api/v1/products/${id}` })
      t.assert.strictEqual(del.statusCode, 403)
      const anonymous = await app.inject({ method: 'PATCH', url: `/api/v1/products/${id}`, payload: { name: 'Mine' } })
      t.assert.strictEqual(anonymous.statusCode, 401)
      const byAdmin = await injectAs(app, admin, { method: 'PATCH', url: `/api/v1/products/${id}`, payload: { name: 'Renamed' } })
      t.assert.deepStrictEqual([byAdmin.statusCode, byAdmin.json().name, byAdmin.json().owner_id], [200, 'Renamed', ann.user.id])
      const deleted = await injectAs(app, admin, { method: 'DELETE', url: `/api/v1/products/${id}` })
      t.assert.deepStrictEqual([deleted.statusCode, deleted.body], [204, ''])
      const gone = await app.inject({ url: `/api/v1/products/${id}` })
      t.assert.strictEqual(gone.statusCode, 404)
      const again = await injectAs(app, ann, { method: 'DELETE', url: `/api/v1/products/${id}` })
      t.assert.strictEqual(again.statusCode, 404)
    })

    it('answers 412 to a PATCH or DELETE with a stale If-Match, and applies a current one', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const { id, etag } = await createProduct(app, ann)
      const first = await injectAs(app, ann, { method: 'PATCH', url: `/api/v1/products/${id}`, headers: { 'if-match': etag }, payload: { quantity: 1 } })
      t.assert.strictEqual(first.statusCode, 200)
      const current = String(first.headers.etag)
      t.assert.notStrictEqual(current, etag)
      const stale = await injectAs(app, ann, { method: 'PATCH', url: `/api/v1/products/${id}`, headers: { 'if-match': etag }, payload: { quantity: 2 } })
      t.assert.deepStrictEqual([stale.statusCode, typeof stale.json().detail], [412, 'string'])
      const weak = await injectAs(app, ann, { method: 'PATCH', url: `/api/v1/products/${id}`, headers: { 'if-match': `W/${current}` }, payload: { quantity: 2 } })
      t.assert.strictEqual(weak.statusCode, 412)
      const staleDelete = await injectAs(app, ann, { method: 'DELETE', url: `/api/v1/products/${id}`, headers: { 'if-match': etag } })
      t.assert.strictEqual(staleDelete.statusCode, 412)
      t.assert.strictEqual((await app.inject({ url: `/api/v1/products/${id}` })).json().quantity, 1)
      const star = await injectAs(app, ann, { method: 'PATCH', url: `/api/v1/products/${id}`, headers: { 'if-match': '*' }, payload: { quantity: 5 } })
      t.assert.strictEqual(star.statusCode, 200)
      const currentDelete = await injectAs(app, ann, { method: 'DELETE', url: `/api/v1/products/${id}`, headers: { 'if-match': String(star.headers.etag) } })
      t.assert.strictEqual(currentDelete.statusCode, 204)
    })

    it('lets exactly one of two concurrent edits of one version win', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const { id, etag } = await createProduct(app, ann)
      const edit = async (quantity: number) => await injectAs(app, ann, {
        method: 'PATCH', url: `/api/v1/products/${id}`, headers: { 'if-match': etag }, payload: { quantity, tags: [`q${quantity}`] }
      })
      const results = await Promise.all([edit(10), edit(20), edit(30)])
      t.assert.deepStrictEqual(results.map((r) => r.statusCode).sort(), [200, 412, 412])
      const winner = results.find((r) => r.statusCode === 200)!.json()
      const read = (await app.inject({ url: `/api/v1/products/${id}` })).json()
      t.assert.deepStrictEqual([read.quantity, read.tags], [winner.quantity, [`q${String(winner.quantity)}`]])
    })

    it('removes the products (and their tags) of a deleted user', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const [ann, bob] = [await createUser(app), await createUser(app)]
      await createProduct(app, ann, { tags: ['gone'] })
      const kept = await createProduct(app, bob)
      const res = await injectAs(app, ann, { method: 'DELETE', url: '/api/v1/users/me' })
      t.assert.strictEqual(res.statusCode, 204)
      const list = (await app.inject({ url: '/api/v1/products' })).json()
      t.assert.deepStrictEqual(list.items.map((p: { id: number }) => p.id), [kept.id])
      const tags = await app.db.selectFrom('product_tags').select('tag').execute()
      t.assert.deepStrictEqual(tags.map((row) => row.tag), ['ink'])
    })
  })
}
