import { createHmac } from 'node:crypto'
import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { loadConfig } from '../../../src/config.js'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser, type TestUser } from '../../helpers/users.js'
import { me, sleep } from './helpers.js'

function base64url (value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** An HS256 JWT built by hand with any header. */
function sign (header: object, payload: object, secret: string): string {
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT', ...header })}.${base64url(payload)}`
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`
}

const now = (): number => Math.floor(Date.now() / 1000)
const ATTACKER_SECRET = 'attacker-secret-0123456789abcdefghijklmnop'

for (const dialect of testDialects()) {
  describe(`access token hardening (${dialect})`, () => {
    async function setUp (
      t: TestContext
    ): Promise<{ app: FastifyInstance, user: TestUser, secret: string, sub: string }> {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      return { app, user, secret: app.config.JWT_SECRET!, sub: String(user.user.id) }
    }

    it('ignores jwk, jku and kid headers: a token signed with the key they point at is refused', async (t: TestContext) => {
      const { app, sub } = await setUp(t)
      const claims = { sub, iat: now(), exp: now() + 600 }
      const jwk = { kty: 'oct', k: Buffer.from(ATTACKER_SECRET).toString('base64url') }
      for (const header of [{ jwk }, { jku: 'https://attacker.example/jwks.json' }, { kid: 'attacker' }, { kid: '../../../../dev/null' }]) {
        const res = await me(app, sign(header, claims, ATTACKER_SECRET))
        t.assert.strictEqual(res.statusCode, 401, JSON.stringify(header))
      }
    })

    it('refuses a token the moment it expires; tolerates an iat up to 30 s ahead, not more', async (t: TestContext) => {
      const { app, secret, sub } = await setUp(t)
      const status = async (claims: Record<string, unknown>): Promise<number> =>
        (await me(app, sign({}, { sub, ...claims }, secret))).statusCode
      t.assert.strictEqual(await status({ iat: now() - 1000, exp: now() - 1 }), 401)
      t.assert.strictEqual(await status({ iat: now() - 1000, exp: now() - 60 }), 401)
      t.assert.strictEqual(await status({ iat: now() + 10, exp: now() + 600 }), 200)
      t.assert.strictEqual(await status({ iat: now() + 3600, exp: now() + 7200 }), 401)
      t.assert.strictEqual(await status({ exp: now() + 600 }), 401, 'iat is required')
    })

    it('refuses tokens issued in or before the second of tokens_valid_after', async (t: TestContext) => {
      const { app, secret, sub, user } = await setUp(t)
      const cutoff = now()
      await app.db.updateTable('users').set({ tokens_valid_after: cutoff }).where('id', '=', user.user.id).execute()
      const status = async (iat: number): Promise<number> =>
        (await me(app, sign({}, { sub, iat, exp: cutoff + 600 }, secret))).statusCode
      t.assert.strictEqual(await status(cutoff - 5), 401)
      t.assert.strictEqual(await status(cutoff), 401)
      t.assert.strictEqual(await status(cutoff + 1), 200)
    })

    it('checks a signature once per token, and answers a remembered token as it would a new one', async (t: TestContext) => {
      const { app, secret, sub, user } = await setUp(t)
      const token = sign({}, { sub, iat: now() - 5, exp: now() + 600 }, secret)
      // The real verifier, watched: how often a signature is checked.
      const verify = t.mock.method(app.jwt, 'verify')
      t.assert.strictEqual((await me(app, token)).statusCode, 200)
      t.assert.strictEqual((await me(app, token)).statusCode, 200)
      t.assert.strictEqual(verify.mock.callCount(), 1, 'checked once for two requests')

      const unsigned = token.slice(0, token.lastIndexOf('.'))
      const forged = `${unsigned}.${createHmac('sha256', ATTACKER_SECRET).update(unsigned).digest('base64url')}`
      t.assert.strictEqual((await me(app, forged)).statusCode, 401, 'same claims, another key')
      t.assert.strictEqual((await me(app, `${unsigned}.`)).statusCode, 401, 'same claims, no signature')

      t.assert.strictEqual(verify.mock.callCount(), 3, 'a forged token is checked, never taken for the remembered one')

      await app.db.updateTable('users').set({ tokens_valid_after: now() }).where('id', '=', user.user.id).execute()
      t.assert.strictEqual((await me(app, token)).statusCode, 401, 'revoked after it was remembered')
    })

    it('starts without a security warning from its token verifier', async (t: TestContext) => {
      const codes: string[] = []
      const collect = (warning: Error & { code?: string }): void => { codes.push(warning.code ?? warning.name) }
      process.on('warning', collect)
      t.after(() => process.off('warning', collect))
      await setUp(t)
      await new Promise((resolve) => setImmediate(resolve))
      t.assert.deepStrictEqual(codes.filter((code) => code.startsWith('FAST_JWT')), [])
    })

    it('refuses a token longer than any it signs, signature or not', async (t: TestContext) => {
      const { app, secret, sub } = await setUp(t)
      const claims = { sub, iat: now(), exp: now() + 600 }
      t.assert.strictEqual((await me(app, sign({}, { ...claims, note: 'x'.repeat(600) }, secret))).statusCode, 200)
      const overlong = await me(app, sign({}, { ...claims, note: 'x'.repeat(800) }, secret))
      t.assert.strictEqual(overlong.statusCode, 401)
      t.assert.strictEqual(overlong.headers['www-authenticate'], 'Bearer')
      t.assert.strictEqual(typeof overlong.json().detail, 'string')
    })

    it('refuses a remembered token once it expires', async (t: TestContext) => {
      const { app, secret, sub } = await setUp(t)
      const exp = now() + 1
      const token = sign({}, { sub, iat: now(), exp }, secret)
      t.assert.strictEqual((await me(app, token)).statusCode, 200)
      await sleep(exp * 1000 + 50 - Date.now())
      const expired = await me(app, token)
      t.assert.strictEqual(expired.statusCode, 401)
      t.assert.strictEqual(expired.headers['www-authenticate'], 'Bearer')
    })
  })
}

describe('token settings', () => {
  it('default to 30 days for refresh tokens and 30 minutes for reset tokens, and take fractions', (t: TestContext) => {
    const config = loadConfig({})
    t.assert.deepStrictEqual([config.REFRESH_TOKEN_EXPIRE_DAYS, config.PASSWORD_RESET_EXPIRE_MINUTES], [30, 30])
    const short = loadConfig({ REFRESH_TOKEN_EXPIRE_DAYS: '0.5', PASSWORD_RESET_EXPIRE_MINUTES: '0.25' })
    t.assert.deepStrictEqual([short.REFRESH_TOKEN_EXPIRE_DAYS, short.PASSWORD_RESET_EXPIRE_MINUTES], [0.5, 0.25])
    for (const [key, value] of [['REFRESH_TOKEN_EXPIRE_DAYS', '0'], ['PASSWORD_RESET_EXPIRE_MINUTES', '-1'], ['PASSWORD_RESET_EXPIRE_MINUTES', 'soon']]) {
      t.assert.throws(() => loadConfig({ [key!]: value! }), new RegExp(key!))
    }
  })
})

describe('verifyToken', () => {
  // Its routes answer a refused token's 4xx from the auth plugin's error handler (after the caller's check).
  it('refuses a route that brings an error handler of its own', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    t.assert.throws(() => {
      app.post('/own-handler', { onRequest: app.verifyToken, errorHandler: (error) => { throw error } }, async () => ({}))
    }, /POST \/own-handler: verifyToken needs the route's error handler/)
  })
})
