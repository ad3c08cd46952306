import { describe, it, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { buildTestApp, testDialects } from '../helpers/build-app.js'
import { captureLogs } from '../helpers/logs.js'
import { createUser, injectAs } from '../helpers/users.js'

const PROBLEM_KEYS = ['detail', 'instance', 'status', 'title', 'type']

for (const dialect of testDialects()) {
  describe(`/api/v2 problem details (${dialect})`, () => {
    it('answers an unknown v2 path with a 404 problem', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const url of ['/api/v2', '/api/v2/nope', '/api/v2/users/1', '/api/v2/products/x/y?limit=3']) {
        const res = await app.inject({ url })
        t.assert.strictEqual(res.statusCode, 404, url)
        t.assert.strictEqual(res.headers['content-type'], 'application/problem+json; charset=utf-8')
        t.assert.deepStrictEqual(res.json(), {
          type: 'about:blank', title: 'Not Found', status: 404, detail: 'Not Found', instance: url.split('?')[0]
        })
      }
    })

    it('answers OPTIONS that is not a preflight, and a malformed body, with problems too', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const options = await app.inject({ method: 'OPTIONS', url: '/api/v2/users' })
      t.assert.strictEqual(options.statusCode, 405)
      t.assert.match(String(options.headers['content-type']), /^application\/problem\+json/)
      t.assert.strictEqual(options.headers.allow, 'GET, HEAD')
      const refused = await app.inject({
        method: 'OPTIONS', url: '/api/v2/products', headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' }
      })
      t.assert.strictEqual(refused.statusCode, 405)
      t.assert.strictEqual(refused.headers['access-control-allow-origin'], undefined)
      t.assert.match(String(refused.headers['content-type']), /^application\/problem\+json/)
      const missing = await app.inject({ method: 'OPTIONS', url: '/api/v2/nope' })
      t.assert.strictEqual(missing.statusCode, 404)
      t.assert.match(String(missing.headers['content-type']), /^application\/problem\+json/)
      const preflight = await app.inject({
        method: 'OPTIONS', url: '/api/v2/users', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'GET' }
      })
      t.assert.strictEqual(preflight.statusCode, 204)
      const badBody = await app.inject({ method: 'POST', url: '/api/v2/users', headers: { 'content-type': 'application/json' }, payload: '{bad' })
      t.assert.strictEqual(badBody.statusCode, 405)
      t.assert.match(String(badBody.headers['content-type']), /^application\/problem\+json/)
    })

    it('answers a wrong method on a v2 path with a 405 problem and Allow', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const url of ['/api/v2/users', '/api/v2/products', '/api/v2/posts']) {
        const res = await app.inject({ method: 'POST', url, payload: {} })
        t.assert.strictEqual(res.statusCode, 405, url)
        t.assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
        t.assert.strictEqual(res.headers.allow, 'GET, HEAD')
        t.assert.deepStrictEqual(Object.keys(res.json()).sort(), PROBLEM_KEYS)
        t.assert.strictEqual(res.json().title, 'Method Not Allowed')
      }
    })

    it('leaves v1 errors in their FastAPI shape', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const notFound = await app.inject({ url: '/api/v1/nope' })
      t.assert.strictEqual(notFound.body, '{"detail":"Not Found"}')
      t.assert.match(String(notFound.headers['content-type']), /^application\/json/)
      const unauthorized = await app.inject({ url: '/api/v1/users' })
      t.assert.deepStrictEqual(unauthorized.json(), { detail: 'Not authenticated' })
      const viewer = await createUser(app)
      const invalid = await injectAs(app, viewer, { url: '/api/v1/users?page_size=0' })
      t.assert.strictEqual(invalid.statusCode, 422)
      t.assert.deepStrictEqual(Object.keys(invalid.json()), ['detail'])
      t.assert.deepStrictEqual(invalid.json().detail[0].loc, ['query', 'page_size'])
      t.assert.strictEqual((await app.inject({ method: 'PUT', url: '/api/v1/users' })).body, '{"detail":"Method Not Allowed"}')
    })

    it('answers an unexpected failure with a 500 problem that gives nothing away, and logs it', async (t: TestContext) => {
      const logs = captureLogs()
      const app = await buildTestApp(t, dialect, {}, { loggerInstance: logs.logger })
      await sql`drop table posts`.execute(app.db)
      const res = await app.inject({ url: '/api/v2/posts', headers: { 'x-request-id': 'req-500' } })
      t.assert.strictEqual(res.statusCode, 500)
      t.assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
      t.assert.deepStrictEqual(res.json(), {
        type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'Internal server error', instance: '/api/v2/posts'
      })
      const logged = logs.lines().find((line) => line.msg === 'request failed')
      t.assert.strictEqual(logged?.request_id, 'req-500')
    })

    it('documents the v2 lists and their problem responses in OpenAPI', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const { paths } = (await app.inject({ url: '/openapi.json' })).json()
      for (const path of ['/api/v2/users', '/api/v2/products', '/api/v2/posts']) {
        const get = paths[path]?.get
        t.assert.ok(get !== undefined, path)
        t.assert.deepStrictEqual(get.parameters.map((p: { name: string }) => p.name).sort(), ['cursor', 'limit'])
        t.assert.ok(get.responses['422'].content['application/problem+json'].schema !== undefined, path)
      }
    })
  })
}

describe('/api/v2 rate limits', () => {
  it('answers a rate-limited v2 request with a 429 problem and Retry-After', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite', { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_GLOBAL: '2/minute' })
    const statuses: number[] = []
    let last
    for (let i = 0; i < 3; i++) {
      last = await app.inject({ url: '/api/v2/products' })
      statuses.push(last.statusCode)
    }
    t.assert.deepStrictEqual(statuses, [200, 200, 429])
    t.assert.match(String(last?.headers['content-type']), /^application\/problem\+json/)
    t.assert.ok(Number(last?.headers['retry-after']) > 0)
    t.assert.strictEqual(last?.json().title, 'Too Many Requests')
    t.assert.strictEqual(last?.json().status, 429)
  })
})
