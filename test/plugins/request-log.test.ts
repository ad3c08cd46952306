import { describe, it, type TestContext } from 'node:test'
import { buildTestApp, testDialects } from '../helpers/build-app.js'
import { captureLogs, type LogCapture } from '../helpers/logs.js'
import { createUser, injectAs } from '../helpers/users.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function requestLines (logs: LogCapture, requestId: string): Array<Record<string, any>> {
  return logs.lines().filter((line) => line.request_id === requestId && line.msg === 'request completed')
}

for (const dialect of testDialects()) {
  describe(`request log (${dialect})`, () => {
    it('writes one line per request with method, route template, status, duration and request id', async (t: TestContext) => {
      const logs = captureLogs()
      const app = await buildTestApp(t, dialect, {}, { loggerInstance: logs.logger })
      const user = await createUser(app)
      const cases: Array<[method: 'GET' | 'PUT', url: string, route: string | null, status: number]> = [
        ['GET', `/api/v1/users/${user.user.id}`, '/api/v1/users/:user_id', 200],
        // An unprefixed path is its /api/v1 route.
        ['GET', `/users/${user.user.id}?page=7`, '/api/v1/users/:user_id', 200],
        ['GET', '/api/v1/users/987654', '/api/v1/users/:user_id', 404],
        ['GET', '/api/v1/users/abc', '/api/v1/users/:user_id', 422],
        ['GET', '/search?q=needle-in-query', '/api/v1/search', 200],
        ['PUT', '/users/me', null, 405],
        ['GET', '/no/such/route-xyz', null, 404]
      ]
      for (const [index, [method, url, route, status]] of cases.entries()) {
        const requestId = `log-test-${index}`
        const res = await injectAs(app, user, { method, url, headers: { 'x-request-id': requestId } })
        t.assert.strictEqual(res.statusCode, status, url)
        const lines = requestLines(logs, requestId)
        t.assert.strictEqual(lines.length, 1, `one line for ${method} ${url}`)
        const [line] = lines
        t.assert.strictEqual(line?.method, method)
        t.assert.strictEqual(line?.route, route, url)
        t.assert.strictEqual(line?.status, status)
        t.assert.ok(typeof line?.duration_ms === 'number' && line.duration_ms >= 0, 'duration in ms')
        t.assert.strictEqual(line?.level, 30)
      }
      const text = logs.text()
      for (const raw of ['needle-in-query', 'page=7', 'route-xyz', '/users/987654']) {
        t.assert.ok(!text.includes(raw), `the raw URL part ${raw} is not logged`)
      }
    })

    it('echoes a valid X-Request-ID and logs under it', async (t: TestContext) => {
      const logs = captureLogs()
      const app = await buildTestApp(t, dialect, {}, { loggerInstance: logs.logger })
      for (const id of ['abc', 'A.b_c-9', 'x'.repeat(128), '0123e4567-e89b-12d3-a456-426614174000']) {
        const res = await app.inject({ url: '/health', headers: { 'x-request-id': id } })
        t.assert.strictEqual(res.headers['x-request-id'], id)
        t.assert.strictEqual(requestLines(logs, id).length, 1)
      }
    })

    it('replaces a missing or invalid X-Request-ID with a generated one', async (t: TestContext) => {
      const logs = captureLogs()
      const app = await buildTestApp(t, dialect, {}, { loggerInstance: logs.logger })
      const seen = new Set<string>()
      const invalid: Array<string | string[] | undefined> = [
        undefined, '', 'has space', 'semi;colon', 'new\\nline', 'x'.repeat(129), 'ünïcode', '<script>', ['a', 'b']
      ]
      for (const sent of invalid) {
        const res = await app.inject({ url: '/', headers: sent === undefined ? {} : { 'x-request-id': sent } })
        const id = String(res.headers['x-request-id'])
        t.assert.match(id, UUID, JSON.stringify(sent))
        t.assert.ok(!seen.has(id), 'a fresh id per request')
        seen.add(id)
        t.assert.strictEqual(requestLines(logs, id).length, 1)
      }
      t.assert.ok(!logs.text().includes('<script>'))
    })

    it('puts the request id on error responses too', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const [method, url] of [['GET', '/nope'], ['PUT', '/users/me'], ['GET', '/users/me'], ['POST', '/users']] as const) {
        const res = await app.inject({ method, url, headers: { 'x-request-id': 'err-id' } })
        t.assert.ok(res.statusCode >= 400, `${method} ${url}`)
        t.assert.strictEqual(res.headers['x-request-id'], 'err-id', `${method} ${url}`)
      }
    })

    it('never logs the Authorization header, passwords or tokens', async (t: TestContext) => {
      const logs = captureLogs()
      const app = await buildTestApp(t, dialect, {}, { loggerInstance: logs.logger })
      const password = 'Pw-q8Zr3xLm0Tk'
      const wrongPassword = 'Pw-wrongVb71Nc'
      const user = await createUser(app, { email: 'secretive@example.com', password })
      const token = user.accessToken
      const signature = token.split('.')[2]!

      t.assert.strictEqual((await injectAs(app, user, { url: '/users/me' })).statusCode, 200)
      t.assert.strictEqual((await injectAs(app, user, { url: '/api/v1/users?page=1' })).statusCode, 200)
      const form = await app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'session=cookie-value-77' },
        payload: `username=secretive%40example.com&password=${password}`
      })
      t.assert.strictEqual(form.statusCode, 200)
      const formToken = form.json().access_token as string
      const wrong = await app.inject({ method: 'POST', url: '/login', payload: { email: 'secretive@example.com', password: wrongPassword } })
      t.assert.strictEqual(wrong.statusCode, 401)
      const invalid = await app.inject({ method: 'POST', url: '/users', payload: { name: 'X', email: 'bad', password } })
      t.assert.strictEqual(invalid.statusCode, 422)
      const garbage = await app.inject({ url: '/users/me', headers: { authorization: 'Bearer garbage-token-5150' } })
      t.assert.strictEqual(garbage.statusCode, 401)

      // Failures are logged in full; the secrets around them still are not.
      await app.db.destroy()
      t.assert.strictEqual((await injectAs(app, user, { url: '/users/me' })).statusCode, 500)
      const failedLogin = await app.inject({ method: 'POST', url: '/login', payload: { email: 'secretive@example.com', password } })
      t.assert.strictEqual(failedLogin.statusCode, 500)

      const text = logs.text()
      t.assert.ok(logs.lines().filter((line) => line.msg === 'request completed').length >= 8, 'the requests were logged')
      t.assert.ok(logs.lines().some((line) => line.level >= 50), 'the failures were logged')
      for (const secret of [password, wrongPassword, token, signature, formToken, formToken.split('.')[2]!, 'garbage-token-5150', 'cookie-value-77']) {
        t.assert.ok(!text.includes(secret), `${secret.slice(0, 12)}… is not in the log`)
      }
      t.assert.doesNotMatch(text, /bearer /i)
      t.assert.doesNotMatch(text, /"authorization"/i)
    })
  })
}
