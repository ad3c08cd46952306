import { describe, it, type TestContext } from 'node:test'
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import type { LightMyRequestResponse } from 'fastify'
import helmet from 'helmet'
import { HELMET_OPTIONS, SECURITY_HEADERS } from '../../src/plugins/security-headers.js'
import { buildTestApp } from '../helpers/build-app.js'

const API_CSP = "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'"

/** The CSP as a map of directive to sources. */
function directives (res: LightMyRequestResponse): Map<string, string[]> {
  const header = res.headers['content-security-policy']
  if (typeof header !== 'string') throw new Error('no content-security-policy header')
  return new Map(header.split(';').map((part) => part.trim()).filter((part) => part !== '').map((part) => {
    const [name = '', ...sources] = part.split(/\s+/)
    return [name, sources]
  }))
}

describe('security headers', () => {
  it('are exactly what helmet\'s own middleware sets on a response, computed once', (t: TestContext) => {
    const response = new ServerResponse(new IncomingMessage(new Socket()))
    helmet(HELMET_OPTIONS)(response.req, response, () => {})
    const set = Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]))
    t.assert.deepStrictEqual(set, { ...SECURITY_HEADERS })
    t.assert.ok(Object.isFrozen(SECURITY_HEADERS))
  })

  it('sends helmet\'s headers and a CSP that lets nothing load on API responses, errors included', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    for (const res of [
      await app.inject({ url: '/health' }),
      await app.inject({ url: '/no-such-route' }),
      await app.inject({ url: '/api/v1/users/me' }),
      await app.inject({ method: 'POST', url: '/api/v1/users', payload: {} })
    ]) {
      t.assert.strictEqual(res.headers['content-security-policy'], API_CSP, `${res.statusCode}`)
      t.assert.strictEqual(res.headers['x-content-type-options'], 'nosniff')
      t.assert.strictEqual(res.headers['x-frame-options'], 'SAMEORIGIN')
      t.assert.strictEqual(res.headers['referrer-policy'], 'no-referrer')
      t.assert.strictEqual(res.headers['cross-origin-resource-policy'], 'same-site')
      t.assert.strictEqual(res.headers['cross-origin-opener-policy'], 'same-origin')
      t.assert.match(res.headers['strict-transport-security'] as string, /^max-age=\d+/)
      t.assert.strictEqual(res.headers['x-powered-by'], undefined)
    }
  })

  it('gives Swagger UI a CSP of its own: scripts from the server only, never inline', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const page = await app.inject({ url: '/docs/' })
    t.assert.strictEqual(page.statusCode, 200)
    const csp = directives(page)
    t.assert.deepStrictEqual(csp.get('script-src'), ["'self'"])
    t.assert.deepStrictEqual(csp.get('script-src-attr'), ["'none'"])
    t.assert.deepStrictEqual(csp.get('style-src'), ["'self'", "'unsafe-inline'"])
    t.assert.deepStrictEqual(csp.get('connect-src'), ["'self'"])
    t.assert.deepStrictEqual(csp.get('frame-ancestors'), ["'none'"])
    t.assert.doesNotMatch(page.body, /<script>|<script [^>]*>[^<\s]/, 'every script is a file')
    const asset = await app.inject({ url: '/docs/static/swagger-initializer.js' })
    t.assert.strictEqual(asset.statusCode, 200)
    t.assert.deepStrictEqual(directives(asset).get('script-src'), ["'self'"])
  })

  it('gives ReDoc a CSP of its own, with the blob: worker and inline styles it needs', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const page = await app.inject({ url: '/redoc' })
    t.assert.strictEqual(page.statusCode, 200)
    const csp = directives(page)
    t.assert.deepStrictEqual(csp.get('default-src'), ["'self'"])
    t.assert.deepStrictEqual(csp.get('worker-src'), ["'self'", 'blob:'])
    t.assert.deepStrictEqual(csp.get('style-src'), ["'self'", "'unsafe-inline'"])
    t.assert.strictEqual(csp.get('script-src'), undefined, 'scripts fall back to default-src \'self\'')
    t.assert.doesNotMatch(page.body, /<script>/, 'the init script is a file')
  })
})
