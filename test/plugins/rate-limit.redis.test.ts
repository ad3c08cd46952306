import { randomBytes } from 'node:crypto'
import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { Redis } from 'ioredis'
import { buildTestApp } from '../helpers/build-app.js'
import { freePort } from '../helpers/smtp.js'

const REDIS_URL = process.env.TEST_REDIS_URL ?? ''

/** A key prefix of the test's own, whose keys are deleted afterwards. */
async function uniquePrefix (t: TestContext): Promise<string> {
  const prefix = `agora-test:${randomBytes(6).toString('hex')}:`
  const client = new Redis(REDIS_URL)
  t.after(async () => {
    const keys = await client.keys(`${prefix}*`)
    if (keys.length > 0) await client.del(...keys)
    await client.quit()
  })
  return prefix
}

/** Two instances on one Redis, each with a database of its own, like two servers behind a balancer. */
async function twoInstances (
  t: TestContext, overrides: Record<string, string>
): Promise<[FastifyInstance, FastifyInstance, string]> {
  const prefix = await uniquePrefix(t)
  const env = { RATE_LIMIT_ENABLED: 'true', REDIS_URL, REDIS_KEY_PREFIX: prefix, ...overrides }
  return [await buildTestApp(t, 'sqlite', env), await buildTestApp(t, 'sqlite', env), prefix]
}

function assertRateLimited (t: TestContext, res: LightMyRequestResponse, limit: number, windowSeconds = 60): void {
  t.assert.strictEqual(res.statusCode, 429)
  t.assert.match(res.json().detail, /^Rate limit exceeded, retry in \d+ seconds?$/)
  const retryAfter = Number(res.headers['retry-after'])
  t.assert.ok(retryAfter > 0 && retryAfter <= windowSeconds, `Retry-After ${String(res.headers['retry-after'])}`)
  t.assert.strictEqual(res.headers['x-ratelimit-limit'], String(limit))
  t.assert.strictEqual(res.headers['x-ratelimit-remaining'], '0')
}

describe('rate limits in Redis', { skip: REDIS_URL === '' ? 'TEST_REDIS_URL is not set' : false }, () => {
  it('shares the global counter between two instances', async (t: TestContext) => {
    const [a, b, prefix] = await twoInstances(t, { RATE_LIMIT_GLOBAL: '3/minute' })
    const first = await a.inject({ url: '/' })
    t.assert.strictEqual(first.statusCode, 200)
    t.assert.strictEqual(first.headers['x-ratelimit-remaining'], '2')
    const second = await b.inject({ url: '/' })
    t.assert.strictEqual(second.headers['x-ratelimit-remaining'], '1', 'the other instance sees the first request')
    const reset = Number(second.headers['x-ratelimit-reset'])
    t.assert.ok(reset > 0 && reset <= 60)
    t.assert.strictEqual((await a.inject({ url: '/no-such-route' })).statusCode, 404)
    assertRateLimited(t, await b.inject({ url: '/' }), 3)
    assertRateLimited(t, await a.inject({ url: '/' }), 3)
    // Another client is not affected.
    t.assert.strictEqual((await b.inject({ url: '/', remoteAddress: '203.0.113.7' })).statusCode, 200)

    const client = new Redis(REDIS_URL)
    t.after(async () => await client.quit())
    const keys = await client.keys(`${prefix}*`)
    t.assert.ok(keys.length > 0 && keys.every((key) => key.startsWith(`${prefix}rate-limit:`)), keys.join(', '))
    const ttl = await client.pttl(`${prefix}rate-limit:global:127.0.0.1`)
    t.assert.ok(ttl > 0 && ttl <= 60_000, 'counters expire with their window')
  })

  it('shares route limits between instances and keeps their buckets apart', async (t: TestContext) => {
    const [a, b] = await twoInstances(t, { RATE_LIMIT_LOGIN: '2/minute', RATE_LIMIT_SIGNUP: '1/hour' })
    const login = async (app: FastifyInstance, email: string): Promise<LightMyRequestResponse> =>
      await app.inject({ method: 'POST', url: '/login', payload: { email, password: 'wrong-password' } })
    t.assert.strictEqual((await login(a, 'ann@example.com')).statusCode, 401)
    t.assert.strictEqual((await login(b, 'ANN@example.com')).statusCode, 401)
    assertRateLimited(t, await login(a, 'ann@example.com'), 2)
    t.assert.strictEqual((await login(b, 'bob@example.com')).statusCode, 401, 'another e-mail has its own count')

    const signUp = async (app: FastifyInstance, n: number): Promise<LightMyRequestResponse> =>
      await app.inject({ method: 'POST', url: '/api/v1/users', payload: { name: 'Ann', email: `ann${n}@example.com`, password: 'correct-horse' } })
    t.assert.strictEqual((await signUp(a, 1)).statusCode, 201)
    const refused = await signUp(b, 2)
    assertRateLimited(t, refused, 1, 3600)
    t.assert.ok(Number(refused.headers['retry-after']) > 60, 'the sign-up window is an hour')
  })

  it('reports Redis in /ready, and keeps serving when Redis is away', async (t: TestContext) => {
    const prefix = await uniquePrefix(t)
    const up = await buildTestApp(t, 'sqlite', { RATE_LIMIT_ENABLED: 'true', REDIS_URL, REDIS_KEY_PREFIX: prefix })
    t.assert.strictEqual((await up.inject({ url: '/ready' })).statusCode, 200)

    const down = await buildTestApp(t, 'sqlite', { RATE_LIMIT_ENABLED: 'true', REDIS_URL: `redis://127.0.0.1:${await freePort()}` })
    const ready = await down.inject({ url: '/ready' })
    t.assert.strictEqual(ready.statusCode, 503)
    t.assert.deepStrictEqual(ready.json(), { detail: 'Service unavailable: a dependency does not answer' })
    t.assert.strictEqual(ready.headers['retry-after'], '1')
    // The limits count in memory while Redis is away; the service answers rather than fail everyone.
    t.assert.strictEqual((await down.inject({ url: '/' })).statusCode, 200)
  })
})
