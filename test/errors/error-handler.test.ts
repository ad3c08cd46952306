import { describe, it, type TestContext } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { buildTestApp, testDialects } from '../helpers/build-app.js'
import { captureLogs } from '../helpers/logs.js'
import { createUser, injectAs } from '../helpers/users.js'

const json = { 'content-type': 'application/json' }
const validSignUp = { name: 'Ada', email: 'ada@example.com', password: 'correct-horse' }

function allowed (res: LightMyRequestResponse): string[] {
  return String(res.headers.allow ?? '').split(',').map((method) => method.trim()).filter((m) => m !== '').sort()
}

function locs (res: LightMyRequestResponse): unknown[] {
  return (res.json().detail as Array<{ loc: unknown[] }>).map((issue) => issue.loc)
}

for (const dialect of testDialects()) {
  describe(`error handler (${dialect})`, () => {
    it('answers 404 or 405 on a path no route serves, whatever its body', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const bodies = [
        { headers: json, payload: '{bad' },
        { headers: { 'content-type': 'text/plain' }, payload: 'hello' },
        { headers: json, payload: JSON.stringify({ blob: 'x'.repeat(1_100_000) }) }
      ]
      for (const body of bodies) {
        const missing = await app.inject({ method: 'POST', url: '/nope', ...body })
        t.assert.strictEqual(missing.statusCode, 404, body.headers['content-type'])
        t.assert.strictEqual(missing.body, '{"detail":"Not Found"}')
        const wrongMethod = await app.inject({ method: 'PUT', url: '/api/v1/users', ...body })
        t.assert.strictEqual(wrongMethod.statusCode, 405, body.headers['content-type'])
        t.assert.deepStrictEqual(allowed(wrongMethod), ['GET', 'HEAD', 'POST'])
      }
    })

    it('reads broken percent-encoding in a path as literal text', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const badId = await app.inject({ url: '/products/%ZZ' })
      t.assert.strictEqual(badId.statusCode, 422)
      t.assert.deepStrictEqual(locs(badId), [['path', 'product_id']])
      t.assert.ok(badId.headers['x-request-id'])
      t.assert.strictEqual((await app.inject({ url: '/api/v1/posts/%E0%A4%A' })).statusCode, 422)
      for (const url of ['/nope/%ZZ', '/uploads/%E0%A4%A']) {
        const res = await app.inject({ url })
        t.assert.strictEqual(res.statusCode, 404, url)
        t.assert.ok(res.headers['x-request-id'], url)
      }
      const v2 = await app.inject({ url: '/api/v2/products/%ZZ' })
      t.assert.strictEqual(v2.statusCode, 404)
      t.assert.match(String(v2.headers['content-type']), /^application\/problem\+json/)
    })

    it('answers an overlong path id with 422, and a path past any reason with 414, in the contract\'s shape', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const long = await app.inject({ url: `/products/${'9'.repeat(300)}` })
      t.assert.strictEqual(long.statusCode, 422)
      t.assert.deepStrictEqual(locs(long), [['path', 'product_id']])
      const absurd = await app.inject({ url: `/products/${'9'.repeat(9000)}`, headers: { 'x-request-id': 'abc-414' } })
      t.assert.strictEqual(absurd.statusCode, 414)
      t.assert.deepStrictEqual(absurd.json(), { detail: 'URI Too Long' })
      t.assert.strictEqual(absurd.headers['x-request-id'], 'abc-414')
    })

    it('answers an unknown route with 404 Not Found', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const url of ['/nope', '/api/v1/nope', '/users/me/nope', '/api/v1/users/1/nope', '/api/v3/users']) {
        const res = await app.inject({ url })
        t.assert.strictEqual(res.statusCode, 404, url)
        t.assert.match(String(res.headers['content-type']), /^application\/json/)
        t.assert.strictEqual(res.body, '{"detail":"Not Found"}', url)
        t.assert.strictEqual(res.headers.allow, undefined, url)
      }
    })

    it('answers a known path with a wrong method with 405 and every method in Allow', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const cases: Array<[method: 'PUT' | 'DELETE' | 'POST' | 'GET', url: string, allow: string[]]> = [
        ['PUT', '/users/me', ['DELETE', 'GET', 'HEAD', 'PATCH']],
        ['PUT', '/api/v1/users/me', ['DELETE', 'GET', 'HEAD', 'PATCH']],
        ['POST', '/users/42', ['DELETE', 'GET', 'HEAD', 'PATCH']],
        ['POST', '/api/v1/users/42', ['DELETE', 'GET', 'HEAD', 'PATCH']],
        ['DELETE', '/users', ['GET', 'HEAD', 'POST']],
        ['DELETE', '/api/v1/users', ['GET', 'HEAD', 'POST']],
        ['GET', '/login', ['POST']],
        ['GET', '/api/v1/login', ['POST']],
        ['DELETE', '/', ['GET', 'HEAD']]
      ]
      for (const [method, url, allow] of cases) {
        const res = await app.inject({ method, url })
        t.assert.strictEqual(res.statusCode, 405, `${method} ${url}`)
        t.assert.strictEqual(res.body, '{"detail":"Method Not Allowed"}', `${method} ${url}`)
        t.assert.deepStrictEqual(allowed(res), allow, `${method} ${url}`)
      }
    })

    it('answers malformed JSON with 422 json_invalid at body', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const payload of ['{"name": ', '{name: "Ada"}', "{'a': 1}", '[1,]', 'nul']) {
        const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: json, payload })
        t.assert.strictEqual(res.statusCode, 422, payload)
        const { detail } = res.json()
        t.assert.strictEqual(detail.length, 1)
        t.assert.strictEqual(detail[0].type, 'json_invalid')
        t.assert.strictEqual(detail[0].loc[0], 'body')
        t.assert.strictEqual(typeof detail[0].msg, 'string')
      }
    })

    it('answers an empty JSON body with 422', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const res = await app.inject({ method: 'POST', url: '/users', headers: json, payload: '' })
      t.assert.strictEqual(res.statusCode, 422)
      const { detail } = res.json()
      t.assert.ok(Array.isArray(detail) && detail.length > 0)
      t.assert.strictEqual(detail[0].loc[0], 'body')
    })

    it('answers a body over BODY_LIMIT with 413 and accepts one just under it', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      t.assert.strictEqual(app.config.BODY_LIMIT, 1_048_576)
      const envelope = JSON.stringify({ ...validSignUp, padding: '' })
      const over = JSON.stringify({ ...validSignUp, padding: 'x'.repeat(1_048_577 - envelope.length) })
      t.assert.strictEqual(Buffer.byteLength(over), 1_048_577)
      const res = await app.inject({ method: 'POST', url: '/users', headers: json, payload: over })
      t.assert.strictEqual(res.statusCode, 413)
      t.assert.strictEqual(typeof res.json().detail, 'string')

      const form = `username=a%40example.com&password=${'x'.repeat(1_048_576)}`
      const formRes = await app.inject({
        method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form
      })
      t.assert.strictEqual(formRes.statusCode, 413)
      t.assert.strictEqual(typeof formRes.json().detail, 'string')

      const under = JSON.stringify({ ...validSignUp, padding: 'x'.repeat(1_048_576 - envelope.length) })
      t.assert.strictEqual(Buffer.byteLength(under), 1_048_576)
      const ok = await app.inject({ method: 'POST', url: '/users', headers: json, payload: under })
      t.assert.strictEqual(ok.statusCode, 201)
    })

    it('answers a content type other than JSON with 415', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const bodies: Array<[contentType: string, payload: string]> = [
        ['text/plain', JSON.stringify(validSignUp)],
        ['text/plain; charset=utf-8', JSON.stringify(validSignUp)],
        ['application/xml', '<user><name>Ada</name></user>'],
        ['text/html', '<p>Ada</p>']
      ]
      for (const url of ['/users', '/api/v1/users']) {
        for (const [contentType, payload] of bodies) {
          const res = await app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload })
          t.assert.strictEqual(res.statusCode, 415, `${contentType} to ${url}`)
          t.assert.strictEqual(typeof res.json().detail, 'string')
        }
      }
      const count = await app.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      t.assert.strictEqual(Number(count.n), 0)

      // JSON with a charset parameter is still JSON.
      const withCharset = await app.inject({
        method: 'POST', url: '/users', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(validSignUp)
      })
      t.assert.strictEqual(withCharset.statusCode, 201)
    })

    it('reads a body with no Content-Type, or a +json type, as JSON, as FastAPI does', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const bare = await app.inject({ method: 'POST', url: '/users', payload: JSON.stringify(validSignUp) })
      t.assert.strictEqual(bare.statusCode, 201, bare.body)
      const merged = await app.inject({
        method: 'POST', url: '/users', headers: { 'content-type': 'application/vnd.api+json' }, payload: JSON.stringify({ ...validSignUp, email: 'b@example.com' })
      })
      t.assert.strictEqual(merged.statusCode, 201, merged.body)
      const broken = await app.inject({ method: 'POST', url: '/users', payload: '{bad' })
      t.assert.strictEqual(broken.statusCode, 422)
      t.assert.strictEqual(broken.json().detail[0].type, 'json_invalid')
      const poisoned = await app.inject({
        method: 'POST', url: '/users', headers: { 'content-type': 'application/merge-patch+json' }, payload: '{"__proto__": {"role": "admin"}}'
      })
      t.assert.strictEqual(poisoned.statusCode, 422)
    })

    it('reports every body problem in its own entry under body', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const res = await app.inject({ method: 'POST', url: '/users', payload: { name: '   ', email: 'not-an-email', password: 'short', age: 200 } })
      t.assert.strictEqual(res.statusCode, 422)
      t.assert.deepStrictEqual(locs(res), [['body', 'name'], ['body', 'email'], ['body', 'password'], ['body', 'age']])
      for (const issue of res.json().detail) {
        t.assert.deepStrictEqual(Object.keys(issue).sort(), ['loc', 'msg', 'type'])
        t.assert.strictEqual(typeof issue.msg, 'string')
        t.assert.strictEqual(typeof issue.type, 'string')
      }

      const missing = await app.inject({ method: 'POST', url: '/users', payload: { name: 'Ada' } })
      t.assert.strictEqual(missing.statusCode, 422)
      t.assert.deepStrictEqual(locs(missing).sort(), [['body', 'email'], ['body', 'password']])
      t.assert.ok(missing.json().detail.every((issue: { type: string }) => issue.type === 'missing'))
    })

    it('reports query problems under query and path problems under path', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      const query = await injectAs(app, user, { url: '/api/v1/users?page=0&page_size=1000' })
      t.assert.strictEqual(query.statusCode, 422)
      t.assert.deepStrictEqual(locs(query), [['query', 'page'], ['query', 'page_size']])

      const typed = await injectAs(app, user, { url: '/users?page=abc' })
      t.assert.strictEqual(typed.statusCode, 422)
      t.assert.deepStrictEqual(locs(typed), [['query', 'page']])

      const path = await injectAs(app, user, { url: '/api/v1/users/abc' })
      t.assert.strictEqual(path.statusCode, 422)
      t.assert.deepStrictEqual(locs(path), [['path', 'user_id']])
    })

    it('answers path ids that are not positive 63-bit integers with 422', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      for (const id of ['0', '-1', 'abc', '1.5', '99999999999999999999', '9223372036854775808', '1e3', '%20']) {
        for (const prefix of ['', '/api/v1']) {
          const res = await injectAs(app, user, { url: `${prefix}/users/${id}` })
          t.assert.strictEqual(res.statusCode, 422, `${prefix}/users/${id}`)
          t.assert.deepStrictEqual(locs(res), [['path', 'user_id']])
        }
      }
    })

    it('answers the largest valid id that matches no user with 404', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      const res = await injectAs(app, user, { url: '/api/v1/users/9223372036854775807' })
      t.assert.strictEqual(res.statusCode, 404)
      t.assert.deepStrictEqual(res.json(), { detail: 'User 9223372036854775807 not found' })
      const small = await injectAs(app, user, { url: '/users/424242' })
      t.assert.deepStrictEqual([small.statusCode, small.json()], [404, { detail: 'User 424242 not found' }])
    })

    it('answers an unexpected failure with a bare 500 and logs it with the request id', async (t: TestContext) => {
      const logs = captureLogs()
      const app = await buildTestApp(t, dialect, {}, { loggerInstance: logs.logger })
      const user = await createUser(app)
      await app.db.destroy()
      const res = await injectAs(app, user, { url: '/api/v1/users/me', headers: { 'x-request-id': 'failing-request-1' } })

      t.assert.strictEqual(res.statusCode, 500)
      t.assert.strictEqual(res.body, '{"detail":"Internal server error"}')
      t.assert.strictEqual(res.headers['x-request-id'], 'failing-request-1')
      const failure = logs.lines().find((line) => line.level >= 50)
      t.assert.ok(failure !== undefined, 'the failure is logged as an error')
      t.assert.strictEqual(failure.request_id, 'failing-request-1')
      t.assert.ok(typeof failure.err?.stack === 'string' && failure.err.stack.length > 0, 'the log keeps the stack')
    })
  })
}
