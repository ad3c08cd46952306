import { describe, it, type TestContext } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { createUser, injectAs } from '../helpers/users.js'

describe('a path with a trailing slash', () => {
  it('is redirected with a 307 to the path without it, query kept, on every prefix', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    for (const [url, location] of [
      ['/users/', '/users'], ['/users/?page=2&page_size=5', '/users?page=2&page_size=5'], ['/api/v1/users/', '/api/v1/users'],
      ['/products/7/', '/products/7'], ['/api/v2/products/?limit=3', '/api/v2/products?limit=3'], ['/health/', '/health'],
      ['/users//', '/users'], ['/redoc/', '/redoc']
    ]) {
      const res = await app.inject({ url })
      t.assert.deepStrictEqual([res.statusCode, res.headers.location, res.body], [307, location, ''], url)
      t.assert.ok(res.headers['x-request-id'] !== undefined && res.headers['x-content-type-options'] === 'nosniff', `${url} has the usual headers`)
    }
  })

  it('is redirected for any method the path has, before its body is read', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const broken = await app.inject({ method: 'POST', url: '/products/', headers: { 'content-type': 'application/json' }, payload: '{"name":' })
    t.assert.deepStrictEqual([broken.statusCode, broken.headers.location], [307, '/products'])
    const multipart = await app.inject({ method: 'POST', url: '/upload/', headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x' })
    t.assert.deepStrictEqual([multipart.statusCode, multipart.headers.location], [307, '/upload'])
    // As FastAPI: the path exists, so the redirect comes first and the 405 after it.
    const put = await app.inject({ method: 'PUT', url: '/products/' })
    t.assert.deepStrictEqual([put.statusCode, put.headers.location], [307, '/products'])
    t.assert.strictEqual((await app.inject({ method: 'PUT', url: '/products' })).statusCode, 405)
  })

  it('keeps nothing for an Idempotency-Key sent to the redirect', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const user = await createUser(app)
    const request = { method: 'POST' as const, headers: { 'idempotency-key': 'slash-1' }, payload: { name: 'Lamp', price: 9.5, quantity: 1 } }
    t.assert.strictEqual((await injectAs(app, user, { ...request, url: '/products/' })).statusCode, 307)
    const created = await injectAs(app, user, { ...request, url: '/products' })
    t.assert.deepStrictEqual([created.statusCode, created.headers['idempotent-replayed']], [201, undefined])
  })

  it('is served where it has a route of its own, or no route without it', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    t.assert.strictEqual((await app.inject({ url: '/docs/' })).statusCode, 200)
    t.assert.deepStrictEqual((await app.inject({ url: '/nope/' })).json(), { detail: 'Not Found' })
    const v2 = await app.inject({ url: '/api/v2/nope/' })
    t.assert.deepStrictEqual([v2.statusCode, v2.headers['content-type']], [404, 'application/problem+json; charset=utf-8'])
    // The route that answers the redirects is no resource a client can ask for.
    t.assert.strictEqual((await app.inject({ url: '/trailing-slash-redirect' })).statusCode, 404)
    // CORS preflights are answered for any path, as they come.
    const preflight = await app.inject({
      method: 'OPTIONS', url: '/users/', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'GET' }
    })
    t.assert.strictEqual(preflight.statusCode, 204)
  })
})
