import { createHmac } from 'node:crypto'
import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { hashPassword } from '../../../src/lib/passwords.js'
import { updateUser } from '../../../src/modules/users/users.repository.js'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser, injectAs, type TestUser } from '../../helpers/users.js'

const HMAC: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }

function base64url (value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** A JWT built by hand, so no check depends on the JWT library under test. */
function forgeToken (payload: object, { alg = 'HS256', secret }: { alg?: string, secret: string }): string {
  const unsigned = `${base64url({ alg, typ: 'JWT' })}.${base64url(payload)}`
  const hash = HMAC[alg]
  if (hash === undefined) return `${unsigned}.`
  return `${unsigned}.${createHmac(hash, secret).update(unsigned).digest('base64url')}`
}

function decodePart (token: string, index: number): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'))
}

const now = (): number => Math.floor(Date.now() / 1000)

async function login (app: FastifyInstance, email: string, password: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'POST', url: '/api/v1/login', payload: { email, password } })
}

async function me (app: FastifyInstance, authorization?: string): Promise<LightMyRequestResponse> {
  return await app.inject({ url: '/api/v1/users/me', headers: authorization === undefined ? {} : { authorization } })
}

function assertTokenResponse (t: TestContext, res: LightMyRequestResponse): string {
  t.assert.strictEqual(res.statusCode, 200)
  const body = res.json()
  t.assert.strictEqual(typeof body.access_token, 'string')
  t.assert.strictEqual(body.token_type, 'bearer')
  t.assert.strictEqual(body.expires_in, 1800)
  return body.access_token
}

for (const dialect of testDialects()) {
  describe(`POST /api/v1/login (${dialect})`, () => {
    it('logs in with JSON and returns a working 30-minute HS256 bearer token', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const { user, password } = await createUser(app, { email: 'ada@example.com' })
      const token = assertTokenResponse(t, await login(app, 'ada@example.com', password))
      t.assert.strictEqual(decodePart(token, 0).alg, 'HS256')
      const claims = decodePart(token, 1)
      t.assert.strictEqual(claims.sub, String(user.id))
      t.assert.strictEqual(claims.exp - claims.iat, 1800)
      const res = await me(app, `Bearer ${token}`)
      t.assert.strictEqual(res.statusCode, 200)
      t.assert.strictEqual(res.json().id, user.id)
    })

    it('logs in with the OAuth2 password form, at both prefixes', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const { user, password } = await createUser(app, { email: 'form@example.com' })
      for (const url of ['/api/v1/login', '/login']) {
        const res = await app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ grant_type: 'password', username: 'form@example.com', password }).toString()
        })
        const token = assertTokenResponse(t, res)
        t.assert.strictEqual((await me(app, `Bearer ${token}`)).json().id, user.id)
      }
    })

    it('matches the e-mail case-insensitively', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const { password } = await createUser(app, { email: 'mixed@example.com' })
      assertTokenResponse(t, await login(app, '  Mixed@Example.COM ', password))
    })

    it('answers wrong password, unknown e-mail and inactive user with the same 401', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const { password } = await createUser(app, { email: 'known@example.com' })
      const inactive = await createUser(app, { email: 'inactive@example.com' })
      await updateUser(app.db, inactive.user.id, { is_active: 0 })

      const answers = [
        await login(app, 'known@example.com', 'wrong-password'),
        await login(app, 'unknown@example.com', password),
        await login(app, 'inactive@example.com', inactive.password)
      ]
      for (const res of answers) {
        t.assert.strictEqual(res.statusCode, 401)
        t.assert.strictEqual(res.body, '{"detail":"Invalid credentials"}')
        t.assert.strictEqual(res.headers['content-type'], answers[0]?.headers['content-type'])
      }
      const form = await app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'username=known%40example.com&password=wrong-password'
      })
      t.assert.strictEqual(form.statusCode, 401)
      t.assert.strictEqual(form.body, '{"detail":"Invalid credentials"}')
    })

    it('answers a login without credentials with 422', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const noPassword = await app.inject({ method: 'POST', url: '/login', payload: { email: 'a@example.com' } })
      t.assert.strictEqual(noPassword.statusCode, 422)
      t.assert.deepStrictEqual(noPassword.json().detail[0].loc, ['body', 'password'])
      const noEmail = await app.inject({ method: 'POST', url: '/login', payload: { password: 'whatever-pass' } })
      t.assert.strictEqual(noEmail.statusCode, 422)
      t.assert.deepStrictEqual(noEmail.json().detail[0].loc, ['body', 'email'])
    })

    it('stores argon2id hashes and verifies the login against the stored hash', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const { user, password } = await createUser(app, { email: 'hash@example.com' })
      const stored = async (): Promise<string> => (await app.db.selectFrom('users').select('hashed_password')
        .where('id', '=', user.id).executeTakeFirstOrThrow()).hashed_password
      const hashed = await stored()
      t.assert.match(hashed, /^\$argon2id\$v=19\$/)
      t.assert.ok(!hashed.includes(password))

      await updateUser(app.db, user.id, { hashed_password: await hashPassword('replaced-password') })
      t.assert.strictEqual((await login(app, 'hash@example.com', password)).statusCode, 401)
      assertTokenResponse(t, await login(app, 'hash@example.com', 'replaced-password'))

      // A corrupt stored hash is a failed login, not a 500.
      await updateUser(app.db, user.id, { hashed_password: '$argon2id$garbage' })
      const res = await login(app, 'hash@example.com', 'replaced-password')
      t.assert.strictEqual(res.statusCode, 401)
      t.assert.strictEqual(res.body, '{"detail":"Invalid credentials"}')
    })
  })

  describe(`access tokens on protected routes (${dialect})`, () => {
    function assertRejected (t: TestContext, res: LightMyRequestResponse, label: string): void {
      t.assert.strictEqual(res.statusCode, 401, label)
      t.assert.strictEqual(res.headers['www-authenticate'], 'Bearer', label)
      t.assert.strictEqual(typeof res.json().detail, 'string', label)
    }

    async function setUp (t: TestContext): Promise<{ app: FastifyInstance, user: TestUser, secret: string }> {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      return { app, user, secret: app.config.JWT_SECRET! }
    }

    it('accepts a well-formed token built by hand (so the forgeries below are fair)', async (t: TestContext) => {
      const { app, user, secret } = await setUp(t)
      const token = forgeToken({ sub: String(user.user.id), iat: now(), exp: now() + 600 }, { secret })
      const res = await me(app, `Bearer ${token}`)
      t.assert.strictEqual(res.statusCode, 200)
      t.assert.strictEqual(res.json().id, user.user.id)
    })

    it('rejects a missing, malformed or non-bearer Authorization header', async (t: TestContext) => {
      const { app, user } = await setUp(t)
      assertRejected(t, await me(app), 'no header')
      for (const header of ['Bearer', 'Bearer ', 'Bearer garbage', 'Bearer a.b.c', 'Bearer not.a.jwt.at.all', `Basic ${user.accessToken}`, user.accessToken]) {
        assertRejected(t, await me(app, header), header.slice(0, 20))
      }
      for (const url of ['/users/me', '/api/v1/users', `/users/${user.user.id}`, '/search?q=abc']) {
        assertRejected(t, await app.inject({ url }), url)
      }
    })

    it('rejects alg none, another secret, and an algorithm other than the configured one', async (t: TestContext) => {
      const { app, user, secret } = await setUp(t)
      const claims = { sub: String(user.user.id), iat: now(), exp: now() + 600 }
      const forgeries: Record<string, string> = {
        'alg none': forgeToken(claims, { alg: 'none', secret }),
        'alg None': forgeToken(claims, { alg: 'None', secret }),
        'alg none with a signature': `${forgeToken(claims, { alg: 'none', secret })}${createHmac('sha256', secret).update('x').digest('base64url')}`,
        'another secret': forgeToken(claims, { secret: 'another-secret-0123456789abcdefghijklmnop' }),
        HS512: forgeToken(claims, { alg: 'HS512', secret }),
        HS384: forgeToken(claims, { alg: 'HS384', secret })
      }
      for (const [label, token] of Object.entries(forgeries)) {
        assertRejected(t, await me(app, `Bearer ${token}`), label)
      }
    })

    it('rejects a token whose payload was changed after signing', async (t: TestContext) => {
      const { app, user } = await setUp(t)
      const other = await createUser(app)
      const [header, , signature] = user.accessToken.split('.')
      const payload = { ...decodePart(user.accessToken, 1), sub: String(other.user.id) }
      assertRejected(t, await me(app, `Bearer ${header}.${base64url(payload)}.${signature}`), 'tampered')
    })

    it('rejects an expired token and tokens without exp or sub', async (t: TestContext) => {
      const { app, user, secret } = await setUp(t)
      const sub = String(user.user.id)
      assertRejected(t, await me(app, `Bearer ${forgeToken({ sub, iat: now() - 7200, exp: now() - 3600 }, { secret })}`), 'expired')
      assertRejected(t, await me(app, `Bearer ${forgeToken({ sub, iat: now() }, { secret })}`), 'no exp')
      assertRejected(t, await me(app, `Bearer ${forgeToken({ iat: now(), exp: now() + 600 }, { secret })}`), 'no sub')
      for (const bad of ['0', '-1', 'abc', '1.5', '99999999999999999999', '']) {
        assertRejected(t, await me(app, `Bearer ${forgeToken({ sub: bad, iat: now(), exp: now() + 600 }, { secret })}`), `sub ${bad}`)
      }
    })

    it('rejects the token of a deleted user', async (t: TestContext) => {
      const { app, user } = await setUp(t)
      t.assert.strictEqual((await injectAs(app, user, { method: 'DELETE', url: '/users/me' })).statusCode, 204)
      assertRejected(t, await injectAs(app, user, { url: '/users/me' }), 'deleted')
    })

    it('rejects the token of a deactivated user', async (t: TestContext) => {
      const { app, user } = await setUp(t)
      await updateUser(app.db, user.user.id, { is_active: 0 })
      assertRejected(t, await injectAs(app, user, { url: '/users/me' }), 'deactivated')
    })
  })
}
