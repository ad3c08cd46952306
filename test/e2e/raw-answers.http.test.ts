import { describe, it, type TestContext } from 'node:test'
import { SECURITY_HEADERS } from '../../src/plugins/security-headers.js'
import { buildTestApp } from '../helpers/build-app.js'
import { sendRaw, type RawReply } from '../helpers/raw-http.js'

function assertCommonHeaders (t: TestContext, reply: RawReply, what: string): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    t.assert.strictEqual(reply.headers.get(name), value, `${what}: ${name}`)
  }
  t.assert.match(reply.headers.get('x-request-id') ?? '', /^[A-Za-z0-9._-]{1,128}$/, `${what}: x-request-id`)
}

describe('answers made outside Fastify\'s hooks', () => {
  it('carry the security headers, a request id and the contract\'s body, v1 and v2', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const cases: Array<{ what: string, status: number, request: (path: string) => string }> = [
      { what: 'unparsable HTTP', status: 400, request: (path) => `GET ${path} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n` },
      { what: 'headers too large', status: 431, request: (path) => `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n` },
      { what: 'unmet expectation', status: 417, request: (path) => `GET ${path} HTTP/1.1\r\nHost: x\r\nExpect: 999-nonsense\r\nX-Request-ID: exp-1\r\n\r\n` },
      { what: 'overlong path segment', status: 414, request: (path) => `GET ${path}/${'9'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n` }
    ]
    for (const { what, status, request } of cases) {
      for (const path of ['/api/v1/users', '/api/v2/users']) {
        if (status === 414 && path.startsWith('/api/v2')) continue // v2 has no path parameters
        const reply = await sendRaw(base, request(path))
        t.assert.strictEqual(reply.status, status, `${what} ${path}`)
        assertCommonHeaders(t, reply, `${what} ${path}`)
        const body = JSON.parse(reply.body)
        if (path.startsWith('/api/v2')) {
          t.assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/, `${what} ${path}`)
          t.assert.deepStrictEqual([body.status, body.type, typeof body.title, typeof body.detail, body.instance],
            [status, 'about:blank', 'string', 'string', path], `${what} ${path}`)
        } else {
          t.assert.match(reply.headers.get('content-type') ?? '', /^application\/json/, `${what} ${path}`)
          t.assert.strictEqual(typeof body.detail, 'string', `${what} ${path}`)
        }
        if (status === 417) t.assert.strictEqual(reply.headers.get('x-request-id'), 'exp-1')
      }
    }
    // The ordinary path still answers normally after all of it.
    const health = await fetch(`${base}/health`)
    t.assert.strictEqual(health.status, 200)
  })
})
