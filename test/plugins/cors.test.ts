import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { corsOrigins } from '../../src/plugins/cors.js'
import { buildTestApp } from '../helpers/build-app.js'

const ALLOWED = 'http://localhost:3000'
const REFUSED = 'https://evil.example'

async function preflight (app: FastifyInstance, origin: string, url = '/api/v1/users'): Promise<LightMyRequestResponse> {
  return await app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization, content-type' }
  })
}

function corsHeaders (res: LightMyRequestResponse): string[] {
  return Object.keys(res.headers).filter((name) => name.startsWith('access-control-'))
}

describe('CORS', () => {
  it('answers a preflight from an allowed origin, credentials included', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const res = await preflight(app, ALLOWED)
    t.assert.strictEqual(res.statusCode, 204)
    t.assert.strictEqual(res.headers['access-control-allow-origin'], ALLOWED)
    t.assert.strictEqual(res.headers['access-control-allow-credentials'], 'true')
    t.assert.strictEqual(res.headers['access-control-allow-methods'], 'GET, HEAD, POST, PUT, PATCH, DELETE')
    t.assert.strictEqual(res.headers['access-control-allow-headers'], 'authorization, content-type')
    t.assert.strictEqual(res.headers['access-control-max-age'], '600')
    t.assert.match(res.headers.vary as string, /Origin/)
    t.assert.ok(res.headers['x-request-id'] !== undefined)
    // A preflight carries no credentials: it is answered before authentication.
    t.assert.strictEqual((await preflight(app, ALLOWED, '/api/v1/users/me')).statusCode, 204)
  })

  it('gives a refused origin no CORS headers, on a preflight or a simple request', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const refused = await preflight(app, REFUSED)
    t.assert.deepStrictEqual(corsHeaders(refused), [])
    t.assert.notStrictEqual(refused.statusCode, 204)
    t.assert.strictEqual(refused.statusCode, 405, 'as any OPTIONS request that is not an allowed preflight')

    const simple = await app.inject({ url: '/health', headers: { origin: REFUSED } })
    t.assert.strictEqual(simple.statusCode, 200)
    t.assert.deepStrictEqual(corsHeaders(simple), [])
    // Close to an allowed origin is not an allowed origin.
    for (const origin of ['http://localhost:3001', 'https://localhost:3000', 'http://localhost:3000.evil.example', 'null']) {
      t.assert.deepStrictEqual(corsHeaders(await preflight(app, origin)), [], origin)
    }
    t.assert.deepStrictEqual(corsHeaders(await app.inject({ url: '/health' })), [], 'no Origin, no CORS')
  })

  it('lets an allowed origin read the response and its headers', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const res = await app.inject({ url: '/health', headers: { origin: ALLOWED } })
    t.assert.strictEqual(res.statusCode, 200)
    t.assert.strictEqual(res.headers['access-control-allow-origin'], ALLOWED)
    t.assert.strictEqual(res.headers['access-control-allow-credentials'], 'true')
    const exposed = (res.headers['access-control-expose-headers'] as string).split(', ')
    for (const name of ['Location', 'Retry-After', 'X-Request-ID', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']) {
      t.assert.ok(exposed.includes(name), `${name} is exposed`)
    }
    // Errors too, so that a browser client can read them.
    const missing = await app.inject({ url: '/api/v1/users/me', headers: { origin: ALLOWED } })
    t.assert.strictEqual(missing.statusCode, 401)
    t.assert.strictEqual(missing.headers['access-control-allow-origin'], ALLOWED)
  })

  it('takes its origins from CORS_ORIGINS', async (t: TestContext) => {
    t.assert.deepStrictEqual(corsOrigins('https://a.example, https://b.example:8443'), ['https://a.example', 'https://b.example:8443'])
    const app = await buildTestApp(t, 'sqlite', { CORS_ORIGINS: 'https://a.example, https://b.example:8443' })
    const allowed = await preflight(app, 'https://b.example:8443')
    t.assert.strictEqual(allowed.statusCode, 204)
    t.assert.strictEqual(allowed.headers['access-control-allow-origin'], 'https://b.example:8443')
    t.assert.deepStrictEqual(corsHeaders(await preflight(app, ALLOWED)), [], 'the default is replaced, not added to')
  })

  it('keeps 404 and 405 as they were: the preflight route is no path of its own', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const unknown = await app.inject({ method: 'OPTIONS', url: '/no-such-route' })
    t.assert.strictEqual(unknown.statusCode, 404)
    t.assert.deepStrictEqual(unknown.json(), { detail: 'Not Found' })
    const wrongMethod = await app.inject({ method: 'DELETE', url: '/health' })
    t.assert.strictEqual(wrongMethod.statusCode, 405)
    t.assert.ok(!(wrongMethod.headers.allow as string).includes('OPTIONS'), String(wrongMethod.headers.allow))
  })

  it('answers a rate-limited request with CORS headers, so that the browser can read the 429', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite', { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_GLOBAL: '1/minute' })
    await app.inject({ url: '/', headers: { origin: ALLOWED } })
    const limited = await app.inject({ url: '/', headers: { origin: ALLOWED } })
    t.assert.strictEqual(limited.statusCode, 429)
    t.assert.strictEqual(limited.headers['access-control-allow-origin'], ALLOWED)
    // Preflights are answered before the limit, and are not counted.
    t.assert.strictEqual((await preflight(app, ALLOWED)).statusCode, 204)
  })
})
