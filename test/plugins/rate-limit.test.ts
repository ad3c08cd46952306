import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { ConfigError, loadConfig, trustProxySetting } from '../../src/config.js'
import { parseRate } from '../../src/plugins/rate-limit.js'
import { buildTestApp } from '../helpers/build-app.js'
import { createUser, injectAs } from '../helpers/users.js'

/** An app with rate limits on (the test default is off) and the given limits. */
async function limitedApp (t: TestContext, overrides: Record<string, string>): Promise<FastifyInstance> {
  return await buildTestApp(t, 'sqlite', { RATE_LIMIT_ENABLED: 'true', ...overrides })
}

function assertLimitHeaders (
  t: TestContext, res: LightMyRequestResponse, limit: number, remaining: number, windowSeconds = 60
): void {
  t.assert.strictEqual(res.headers['x-ratelimit-limit'], String(limit))
  t.assert.strictEqual(res.headers['x-ratelimit-remaining'], String(remaining))
  const reset = Number(res.headers['x-ratelimit-reset'])
  t.assert.ok(reset > 0 && reset <= windowSeconds, `x-ratelimit-reset ${reset} is the seconds left in the window`)
}

function assertRateLimited (t: TestContext, res: LightMyRequestResponse, limit: number, windowSeconds = 60): void {
  t.assert.strictEqual(res.statusCode, 429)
  t.assert.match(res.headers['content-type'] as string, /^application\/json/)
  t.assert.deepStrictEqual(Object.keys(res.json()), ['detail'])
  t.assert.match(res.json().detail, /^Rate limit exceeded, retry in \d+ seconds?$/)
  const retryAfter = Number(res.headers['retry-after'])
  t.assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= windowSeconds, `Retry-After ${String(res.headers['retry-after'])}`)
  assertLimitHeaders(t, res, limit, 0, windowSeconds)
}

async function login (
  app: FastifyInstance, email: string, options: { form?: boolean, ip?: string } = {}
): Promise<LightMyRequestResponse> {
  return await app.inject({
    method: 'POST',
    url: '/api/v1/login',
    ...(options.ip === undefined ? {} : { remoteAddress: options.ip }),
    ...(options.form === true
      ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `username=${encodeURIComponent(email)}&password=wrong-password` }
      : { payload: { email, password: 'wrong-password' } })
  })
}

describe('rate limit settings', () => {
  it('turns N/unit into a count and a window in milliseconds', (t: TestContext) => {
    t.assert.deepStrictEqual(parseRate('10/minute', 'RATE_LIMIT_LOGIN'), { max: 10, timeWindow: 60_000 })
    t.assert.deepStrictEqual(parseRate('1/second', 'RATE_LIMIT_GLOBAL'), { max: 1, timeWindow: 1000 })
    t.assert.deepStrictEqual(parseRate('20/hour', 'RATE_LIMIT_SIGNUP'), { max: 20, timeWindow: 3_600_000 })
    for (const bad of ['10', '0/minute', '10/day', '10 / minute', '-1/hour', '1.5/minute', '10/minutes']) {
      t.assert.throws(() => parseRate(bad, 'RATE_LIMIT_LOGIN'), (error: Error) => error instanceof ConfigError && error.message.includes('RATE_LIMIT_LOGIN'))
    }
  })

  it('stops the boot on a bad limit, TRUST_PROXY or CORS_ORIGINS, naming the variable', (t: TestContext) => {
    for (const [variable, value] of [
      ['RATE_LIMIT_LOGIN', '10/day'], ['RATE_LIMIT_GLOBAL', 'lots'], ['RATE_LIMIT_USERS_LIST', '0/minute'],
      ['RATE_LIMIT_SIGNUP', '20 per hour'], ['RATE_LIMIT_PASSWORD_RESET', '/hour'], ['RATE_LIMIT_ENABLED', 'maybe'],
      ['TRUST_PROXY', 'yes'], ['TRUST_PROXY', '10.0.0.0/8; rm'], ['CORS_ORIGINS', 'localhost:3000'],
      ['CORS_ORIGINS', 'https://app.example/'], ['REDIS_URL', 'http://cache:6379'], ['RATE_LIMIT_CACHE_SIZE', '0']
    ] as const) {
      t.assert.throws(() => loadConfig({ [variable]: value }), (error: Error) => error instanceof ConfigError && error.message.includes(variable), `${variable}=${value}`)
    }
    const config = loadConfig({})
    t.assert.strictEqual(config.RATE_LIMIT_ENABLED, true)
    t.assert.deepStrictEqual(
      [
        config.RATE_LIMIT_GLOBAL, config.RATE_LIMIT_USERS_LIST, config.RATE_LIMIT_LOGIN, config.RATE_LIMIT_SIGNUP,
        config.RATE_LIMIT_PASSWORD_RESET
      ],
      ['1000/minute', '100/minute', '10/minute', '20/hour', '20/hour']
    )
    t.assert.strictEqual(config.TRUST_PROXY, 'false')
    t.assert.strictEqual(config.CORS_ORIGINS, 'http://localhost:3000')
  })

  it('reads TRUST_PROXY as a boolean, a hop count or a list of proxies', (t: TestContext) => {
    t.assert.strictEqual(trustProxySetting('false'), false)
    t.assert.strictEqual(trustProxySetting('true'), true)
    t.assert.deepStrictEqual(trustProxySetting('10.0.0.0/8, 192.168.1.1,loopback'), ['10.0.0.0/8', '192.168.1.1', 'loopback'])
    const hops = trustProxySetting('2')
    t.assert.ok(typeof hops === 'function')
    t.assert.deepStrictEqual([0, 1, 2].map((hop) => hops('10.0.0.1', hop)), [true, true, false])
    for (const value of ['2', '10.0.0.0/8, ::1', 'loopback,linklocal,uniquelocal']) t.assert.strictEqual(loadConfig({ TRUST_PROXY: value }).TRUST_PROXY, value)
    t.assert.throws(() => trustProxySetting('10.0.0.1, cafe'), (error: Error) => error instanceof ConfigError && error.message.includes('TRUST_PROXY'))
  })
})

describe('rate limits in memory', () => {
  it('limits GET /users per client, one bucket for /api/v1/users and /users, with the X-RateLimit headers', async (t: TestContext) => {
    const app = await limitedApp(t, { RATE_LIMIT_USERS_LIST: '3/minute' })
    const ann = await createUser(app)
    const first = await injectAs(app, ann, { url: '/api/v1/users' })
    t.assert.strictEqual(first.statusCode, 200)
    assertLimitHeaders(t, first, 3, 2)
    assertLimitHeaders(t, await injectAs(app, ann, { url: '/users' }), 3, 1)
    assertLimitHeaders(t, await injectAs(app, ann, { url: '/api/v1/users?page=2' }), 3, 0)
    assertRateLimited(t, await injectAs(app, ann, { url: '/users' }), 3)
    assertRateLimited(t, await injectAs(app, ann, { url: '/api/v1/users' }), 3)
    // Other routes are not in that bucket.
    t.assert.strictEqual((await injectAs(app, ann, { url: '/api/v1/users/me' })).statusCode, 200)
  })

  it('applies the global limit to every route, unknown ones included, with Retry-After on the 429', async (t: TestContext) => {
    const app = await limitedApp(t, { RATE_LIMIT_GLOBAL: '3/second' })
    const root = await app.inject({ url: '/' })
    t.assert.strictEqual(root.statusCode, 200)
    assertLimitHeaders(t, root, 3, 2, 1)
    t.assert.strictEqual((await app.inject({ url: '/no-such-route' })).statusCode, 404)
    t.assert.strictEqual((await app.inject({ url: '/' })).statusCode, 200)
    const limited = await app.inject({ url: '/no-such-route' })
    assertRateLimited(t, limited, 3, 1)
    t.assert.strictEqual(limited.json().detail, 'Rate limit exceeded, retry in 1 second')
    t.assert.ok(limited.headers['x-request-id'] !== undefined, 'a 429 has a request id like any response')
    assertRateLimited(t, await app.inject({ url: '/' }), 3, 1)
    // Health checks and metrics are never limited: a load balancer probes often.
    for (const url of ['/health', '/ready', '/metrics']) {
      const probe = await app.inject({ url })
      t.assert.strictEqual(probe.statusCode, 200, url)
      t.assert.strictEqual(probe.headers['x-ratelimit-limit'], undefined, url)
    }
    // The window is one second: after it, the client is served again.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const again = await app.inject({ url: '/' })
    t.assert.strictEqual(again.statusCode, 200)
    assertLimitHeaders(t, again, 3, 2, 1)
  })

  it('answers a 429 under /api/v2 as a problem, with the same headers', async (t: TestContext) => {
    const app = await limitedApp(t, { RATE_LIMIT_GLOBAL: '1/minute' })
    t.assert.strictEqual((await app.inject({ url: '/api/v2/products' })).statusCode, 200)
    const limited = await app.inject({ url: '/api/v2/products' })
    t.assert.strictEqual(limited.statusCode, 429)
    t.assert.match(limited.headers['content-type'] as string, /^application\/problem\+json/)
    t.assert.strictEqual(limited.json().status, 429)
    t.assert.match(limited.json().detail, /^Rate limit exceeded, retry in \d+ seconds?$/)
    t.assert.ok(Number(limited.headers['retry-after']) > 0)
    assertLimitHeaders(t, limited, 1, 0)
  })

  it('counts a route with its own limit against the global limit too', async (t: TestContext) => {
    const app = await limitedApp(t, { RATE_LIMIT_GLOBAL: '3/minute', RATE_LIMIT_LOGIN: '10/minute' })
    for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) {
      const res = await login(app, email)
      t.assert.strictEqual(res.statusCode, 401)
      t.assert.strictEqual(res.headers['x-ratelimit-limit'], '10', 'the route\'s own limit is the one reported')
    }
    // Rotating e-mails does not get a client past the global limit.
    assertRateLimited(t, await login(app, 'd@example.com'), 3)
  })

  it('limits login per client and e-mail, from JSON and form bodies alike', async (t: TestContext) => {
    const app = await limitedApp(t, { RATE_LIMIT_LOGIN: '3/minute' })
    const ann = await createUser(app, { email: 'ann@example.com' }) // one login: 1 of 3 for ann@example.com
    const wrong = await login(app, 'ann@example.com')
    t.assert.strictEqual(wrong.statusCode, 401)
    assertLimitHeaders(t, wrong, 3, 1)
    t.assert.strictEqual((await login(app, '  ANN@example.com ', { form: true })).statusCode, 401)
    // The fourth attempt on that address is refused, whatever the password.
    assertRateLimited(t, await app.inject({ method: 'POST', url: '/login', payload: { email: 'ann@example.com', password: ann.password } }), 3)
    assertRateLimited(t, await login(app, 'ann@example.com', { form: true }), 3)
    // Another address from the same client, and the same address from another client, still get through.
    const other = await login(app, 'bob@example.com')
    t.assert.strictEqual(other.statusCode, 401)
    assertLimitHeaders(t, other, 3, 2)
    const elsewhere = await app.inject({ method: 'POST', url: '/login', remoteAddress: '203.0.113.9', payload: { email: 'ann@example.com', password: ann.password } })
    t.assert.strictEqual(elsewhere.statusCode, 200)
  })

  it('keeps sign-up, password reset and login in separate buckets', async (t: TestContext) => {
    const app = await limitedApp(t, { RATE_LIMIT_SIGNUP: '2/hour', RATE_LIMIT_PASSWORD_RESET: '2/hour' })
    const signUp = async (n: number): Promise<LightMyRequestResponse> => await app.inject({
      method: 'POST', url: n % 2 === 0 ? '/users' : '/api/v1/users', payload: { name: `User ${n}`, email: `user${n}@example.com`, password: 'correct-horse' }
    })
    const first = await signUp(1)
    t.assert.strictEqual(first.statusCode, 201)
    assertLimitHeaders(t, first, 2, 1, 3600)
    t.assert.strictEqual((await signUp(2)).statusCode, 201)
    assertRateLimited(t, await signUp(3), 2, 3600)

    // Sign-up is exhausted; logging in is not.
    const loggedIn = await app.inject({ method: 'POST', url: '/login', payload: { email: 'user1@example.com', password: 'correct-horse' } })
    t.assert.strictEqual(loggedIn.statusCode, 200)
    t.assert.strictEqual(loggedIn.headers['x-ratelimit-limit'], '10')

    const reset = async (): Promise<LightMyRequestResponse> => await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'user1@example.com' } })
    const firstReset = await reset()
    t.assert.strictEqual(firstReset.statusCode, 202)
    assertLimitHeaders(t, firstReset, 2, 1, 3600)
    t.assert.strictEqual((await reset()).statusCode, 202)
    assertRateLimited(t, await reset(), 2, 3600)
    t.assert.strictEqual((await app.inject({ method: 'POST', url: '/login', payload: { email: 'user2@example.com', password: 'correct-horse' } })).statusCode, 200)
  })

  it('ignores X-Forwarded-For without TRUST_PROXY, so rotating it does not dodge a limit', async (t: TestContext) => {
    const app = await limitedApp(t, { RATE_LIMIT_GLOBAL: '2/minute' })
    const ask = async (ip: string): Promise<LightMyRequestResponse> => await app.inject({ url: '/', headers: { 'x-forwarded-for': ip } })
    t.assert.strictEqual((await ask('198.51.100.1')).statusCode, 200)
    t.assert.strictEqual((await ask('198.51.100.2')).statusCode, 200)
    assertRateLimited(t, await ask('198.51.100.3'), 2)
  })

  it('takes the client from X-Forwarded-For when TRUST_PROXY trusts the peer', async (t: TestContext) => {
    for (const trust of ['true', '1', '127.0.0.1', 'loopback']) {
      const app = await limitedApp(t, { RATE_LIMIT_GLOBAL: '2/minute', TRUST_PROXY: trust })
      const ask = async (ip: string): Promise<LightMyRequestResponse> => await app.inject({ url: '/', headers: { 'x-forwarded-for': ip } })
      t.assert.strictEqual((await ask('198.51.100.1')).statusCode, 200)
      t.assert.strictEqual((await ask('198.51.100.1')).statusCode, 200)
      assertRateLimited(t, await ask('198.51.100.1'), 2)
      const other = await ask('198.51.100.2')
      t.assert.strictEqual(other.statusCode, 200, `TRUST_PROXY=${trust}: another forwarded client has its own count`)
      assertLimitHeaders(t, other, 2, 1)
    }
    // A proxy list that does not hold the peer: the header is not believed.
    const app = await limitedApp(t, { RATE_LIMIT_GLOBAL: '1/minute', TRUST_PROXY: '10.0.0.0/8' })
    t.assert.strictEqual((await app.inject({ url: '/', headers: { 'x-forwarded-for': '198.51.100.1' } })).statusCode, 200)
    assertRateLimited(t, await app.inject({ url: '/', headers: { 'x-forwarded-for': '198.51.100.2' } }), 1)
  })

  it('counts IPv6 clients by /64 network', async (t: TestContext) => {
    const app = await limitedApp(t, { RATE_LIMIT_GLOBAL: '1/minute' })
    t.assert.strictEqual((await app.inject({ url: '/', remoteAddress: '2001:db8:1:2::1' })).statusCode, 200)
    assertRateLimited(t, await app.inject({ url: '/', remoteAddress: '2001:db8:1:2:ffff::9' }), 1)
    t.assert.strictEqual((await app.inject({ url: '/', remoteAddress: '2001:db8:1:3::1' })).statusCode, 200)
  })

  it('keeps at most RATE_LIMIT_CACHE_SIZE counters per limit in memory, dropping the least recently used', async (t: TestContext) => {
    const app = await limitedApp(t, { RATE_LIMIT_GLOBAL: '2/minute', RATE_LIMIT_CACHE_SIZE: '2' })
    const ask = async (ip: string): Promise<LightMyRequestResponse> => await app.inject({ url: '/', remoteAddress: ip })
    await ask('198.51.100.1')
    assertLimitHeaders(t, await ask('198.51.100.1'), 2, 0)
    await ask('198.51.100.2')
    await ask('198.51.100.3') // a third client: the first one's counter goes
    assertLimitHeaders(t, await ask('198.51.100.1'), 2, 1)
  })

  it('turns every limit off with RATE_LIMIT_ENABLED=false', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite', {
      RATE_LIMIT_ENABLED: 'false',
      RATE_LIMIT_GLOBAL: '1/minute',
      RATE_LIMIT_USERS_LIST: '1/minute',
      RATE_LIMIT_LOGIN: '1/minute',
      RATE_LIMIT_SIGNUP: '1/hour',
      RATE_LIMIT_PASSWORD_RESET: '1/hour'
    })
    const ann = await createUser(app)
    await createUser(app)
    for (let i = 0; i < 3; i += 1) {
      const list = await injectAs(app, ann, { url: '/api/v1/users' })
      t.assert.strictEqual(list.statusCode, 200)
      t.assert.strictEqual(list.headers['x-ratelimit-limit'], undefined)
      t.assert.strictEqual((await login(app, ann.user.email)).statusCode, 401)
      t.assert.strictEqual((await app.inject({ method: 'POST', url: '/auth/password-reset', payload: { email: ann.user.email } })).statusCode, 202)
    }
  })
})
