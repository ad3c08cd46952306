import { connect } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { Dialect } from '../../src/db/database.js'
import { buildTestApp, testDialects } from '../helpers/build-app.js'

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/

interface Server {
  app: FastifyInstance
  base: string
  /** `fetch` against the server; every answer must carry a request id. */
  call: (path: string, init?: RequestInit) => Promise<Response>
}

async function listenApp (t: TestContext, dialect: Dialect, overrides: Record<string, string> = {}): Promise<Server> {
  const app = await buildTestApp(t, dialect, overrides)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  async function call (path: string, init?: RequestInit): Promise<Response> {
    const res = await fetch(`${base}${path}`, init)
    t.assert.match(res.headers.get('x-request-id') ?? '', REQUEST_ID, `${init?.method ?? 'GET'} ${path} has an X-Request-ID`)
    return res
  }
  return { app, base, call }
}

const json = { 'content-type': 'application/json' }

async function signUp (server: Server, email = 'ada@example.com'): Promise<{ body: Record<string, unknown>, password: string }> {
  const password = 'correct-horse-battery'
  const res = await server.call('/users', { method: 'POST', headers: json, body: JSON.stringify({ name: 'Ada', email, password, age: 36 }) })
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`)
  return { body: await res.json() as Record<string, unknown>, password }
}

/**
 * Sends the request line and headers of a request with a body, then nothing more, and
 * resolves with what the server wrote before closing. Rejects when the server keeps the
 * connection open past `limitMs`.
 */
async function stallAfterHeaders (base: string, limitMs: number): Promise<{ reply: string, elapsedMs: number }> {
  const { hostname, port } = new URL(base)
  const started = Date.now()
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    let reply = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the server kept a stalled request open for ${limitMs} ms`))
    }, limitMs)
    socket.setEncoding('utf8')
    socket.on('connect', () => {
      socket.write(`POST /api/v1/users HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`)
    })
    socket.on('data', (chunk: string) => { reply += chunk })
    socket.on('error', () => {}) // a reset counts as closed; 'close' follows
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ reply, elapsedMs: Date.now() - started })
    })
  })
}

for (const dialect of testDialects()) {
  describe(`real HTTP on a socket (${dialect})`, () => {
    it('signs up with POST /users: 201, Location and no password fields', async (t: TestContext) => {
      const server = await listenApp(t, dialect)
      const res = await server.call('/users', {
        method: 'POST', headers: json, body: JSON.stringify({ name: '  Ada  ', email: 'Ada@Example.com', password: 'correct-horse-battery' })
      })
      t.assert.strictEqual(res.status, 201)
      const user = await res.json() as Record<string, unknown>
      t.assert.strictEqual(res.headers.get('location'), `/api/v1/users/${String(user.id)}`)
      t.assert.deepStrictEqual(
        { name: user.name, email: user.email, age: user.age, role: user.role, is_active: user.is_active },
        { name: 'Ada', email: 'ada@example.com', age: null, role: 'user', is_active: true }
      )
      for (const key of Object.keys(user)) t.assert.doesNotMatch(key, /password|hash/i)
      t.assert.match(String(user.created_at), /Z$/)
    })

    it('logs in with JSON and with the OAuth2 form, on /login and /api/v1/login', async (t: TestContext) => {
      const server = await listenApp(t, dialect)
      const { body: user, password } = await signUp(server)
      for (const path of ['/login', '/api/v1/login']) {
        const bodies: Array<[string, RequestInit]> = [
          ['JSON', { method: 'POST', headers: json, body: JSON.stringify({ email: 'ada@example.com', password }) }],
          ['form', { method: 'POST', body: new URLSearchParams({ username: 'ada@example.com', password }) }]
        ]
        for (const [kind, init] of bodies) {
          const res = await server.call(path, init)
          t.assert.strictEqual(res.status, 200, `${kind} login on ${path}`)
          const token = await res.json() as Record<string, unknown>
          t.assert.strictEqual(token.token_type, 'bearer')
          t.assert.strictEqual(typeof token.access_token, 'string')
          t.assert.strictEqual(token.expires_in, 30 * 60)
          const me = await server.call('/users/me', { headers: { authorization: `Bearer ${String(token.access_token)}` } })
          t.assert.strictEqual(me.status, 200)
          t.assert.deepStrictEqual(await me.json(), user)
        }
      }
      const wrong = await server.call('/login', { method: 'POST', body: new URLSearchParams({ username: 'ada@example.com', password: 'not-the-password' }) })
      t.assert.strictEqual(wrong.status, 401)
      t.assert.deepStrictEqual(await wrong.json(), { detail: 'Invalid credentials' })
    })

    it('answers GET /users/me with the caller, and 401 with WWW-Authenticate: Bearer without a token', async (t: TestContext) => {
      const server = await listenApp(t, dialect)
      const { body: user, password } = await signUp(server)
      const login = await server.call('/api/v1/login', { method: 'POST', headers: json, body: JSON.stringify({ email: 'ada@example.com', password }) })
      const { access_token: accessToken } = await login.json() as { access_token: string }

      for (const path of ['/users/me', '/api/v1/users/me']) {
        const me = await server.call(path, { headers: { authorization: `Bearer ${accessToken}` } })
        t.assert.strictEqual(me.status, 200)
        t.assert.deepStrictEqual(await me.json(), user)

        const anonymous = await server.call(path)
        t.assert.strictEqual(anonymous.status, 401)
        t.assert.strictEqual(anonymous.headers.get('www-authenticate'), 'Bearer')
        const body = await anonymous.json() as { detail: unknown }
        t.assert.deepStrictEqual(Object.keys(body), ['detail'])
        t.assert.strictEqual(typeof body.detail, 'string')

        const forged = await server.call(path, { headers: { authorization: `Bearer ${accessToken.slice(0, -4)}AAAA` } })
        t.assert.strictEqual(forged.status, 401)
        t.assert.strictEqual(forged.headers.get('www-authenticate'), 'Bearer')
      }
    })

    it('echoes a valid X-Request-ID and replaces an invalid one', async (t: TestContext) => {
      const server = await listenApp(t, dialect)
      const valid = 'client-req_01.ABC'
      const echoed = await server.call('/health', { headers: { 'x-request-id': valid } })
      t.assert.strictEqual(echoed.headers.get('x-request-id'), valid)
      const longest = 'a'.repeat(128)
      t.assert.strictEqual((await server.call('/health', { headers: { 'x-request-id': longest } })).headers.get('x-request-id'), longest)

      for (const invalid of ['a'.repeat(129), 'b'.repeat(200), 'has space', 'semi;colon', 'slash/id']) {
        const res = await server.call('/health', { headers: { 'x-request-id': invalid } })
        t.assert.notStrictEqual(res.headers.get('x-request-id'), invalid, `"${invalid.slice(0, 20)}…" is replaced`)
      }
      // Generated ids differ from one request to the next, on errors too.
      const a = await server.call('/no-such-route')
      const b = await server.call('/no-such-route')
      t.assert.strictEqual(a.status, 404)
      t.assert.notStrictEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'))
    })

    it('answers a body larger than BODY_LIMIT with 413 {detail}', async (t: TestContext) => {
      const server = await listenApp(t, dialect)
      const limit = server.app.config.BODY_LIMIT
      t.assert.strictEqual(limit, 1024 * 1024)
      const oversized = JSON.stringify({ name: 'Ada', email: 'ada@example.com', password: 'correct-horse-battery', padding: 'x'.repeat(limit) })

      const declared = await server.call('/users', { method: 'POST', headers: json, body: oversized })
      t.assert.strictEqual(declared.status, 413)
      const body = await declared.json() as { detail: unknown }
      t.assert.deepStrictEqual(Object.keys(body), ['detail'])
      t.assert.strictEqual(typeof body.detail, 'string')

      // Chunked, with no Content-Length to reject up front: the limit applies while reading.
      const bytes = new TextEncoder().encode(oversized)
      const chunked = await server.call('/api/v1/users', {
        method: 'POST',
        headers: json,
        body: new ReadableStream({
          start (controller) {
            for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024))
            controller.close()
          }
        }),
        duplex: 'half'
      } as RequestInit)
      t.assert.strictEqual(chunked.status, 413)
      t.assert.strictEqual(typeof (await chunked.json() as { detail: unknown }).detail, 'string')

      const form = await server.call('/login', {
        method: 'POST', body: new URLSearchParams({ username: 'ada@example.com', password: 'p'.repeat(limit) })
      })
      t.assert.strictEqual(form.status, 413)
      t.assert.strictEqual(typeof (await form.json() as { detail: unknown }).detail, 'string')

      // Nothing was created, and the server still answers.
      const { body: user } = await signUp(server)
      t.assert.strictEqual(user.email, 'ada@example.com')
    })

    it('sets requestTimeout and headersTimeout on the HTTP server', async (t: TestContext) => {
      const { app } = await listenApp(t, dialect)
      t.assert.ok(app.server.requestTimeout > 0, `requestTimeout is ${app.server.requestTimeout}`)
      t.assert.ok(app.server.headersTimeout > 0, `headersTimeout is ${app.server.headersTimeout}`)
      t.assert.ok(app.server.headersTimeout <= app.server.requestTimeout, 'headersTimeout does not exceed requestTimeout')
      t.assert.strictEqual(app.server.requestTimeout, app.config.REQUEST_TIMEOUT_MS)
    })

    it('closes a connection whose body stalls after REQUEST_TIMEOUT_MS', async (t: TestContext) => {
      const { base, app } = await listenApp(t, dialect, { REQUEST_TIMEOUT_MS: '1000' })
      t.assert.strictEqual(app.server.requestTimeout, 1000)
      const { reply, elapsedMs } = await stallAfterHeaders(base, 5000)
      t.assert.ok(reply === '' || reply.startsWith('HTTP/1.1 408'), `closed or 408, got ${JSON.stringify(reply.slice(0, 80))}`)
      t.assert.ok(elapsedMs >= 900, `not closed before the timeout (${elapsedMs} ms)`)
      // A 408 with a body is an HTTP error like any other: {detail}.
      const body = reply.split('\r\n\r\n')[1] ?? ''
      if (body !== '') t.assert.deepStrictEqual(Object.keys(JSON.parse(body) as object), ['detail'])
    })
  })
}
