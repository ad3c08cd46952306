import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { tokenHash } from '../../../src/modules/auth/opaque-tokens.js'
import { updateUser } from '../../../src/modules/users/users.repository.js'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser, injectAs, type TestUser } from '../../helpers/users.js'
import { loginPair, logout, me, refresh, sleep, type Pair } from './helpers.js'

async function storedToken (app: FastifyInstance, token: string) {
  return await app.db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash(token)).executeTakeFirst()
}

for (const dialect of testDialects()) {
  describe(`refresh tokens (${dialect})`, () => {
    async function setUp (
      t: TestContext, overrides: Record<string, string> = {}
    ): Promise<{ app: FastifyInstance, user: TestUser, pair: Pair }> {
      const app = await buildTestApp(t, dialect, overrides)
      const user = await createUser(app)
      return { app, user, pair: await loginPair(app, user.user.email, user.password) }
    }

    it('login returns an opaque 256-bit refresh token, stored only as its SHA-256 hash', async (t: TestContext) => {
      const { app, user, pair } = await setUp(t)
      t.assert.deepStrictEqual(Object.keys(pair).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type'])
      t.assert.match(pair.refresh_token, /^[A-Za-z0-9_-]{43}$/)
      t.assert.strictEqual(Buffer.from(pair.refresh_token, 'base64url').length, 32)
      const rows = await app.db.selectFrom('refresh_tokens').selectAll().execute()
      t.assert.strictEqual(rows.length, 2, 'one from the sign-up helper\'s login, one from this login')
      t.assert.ok(rows.every((r) => r.token_hash !== pair.refresh_token && r.user_id === user.user.id))
      t.assert.ok(await storedToken(app, pair.refresh_token))
      t.assert.notStrictEqual(rows[0]?.family_id, rows[1]?.family_id, 'each login is its own family')
    })

    it('rotates: a refresh gives a new working pair, at both prefixes, and spends the old token', async (t: TestContext) => {
      const { app, user, pair } = await setUp(t)
      const first = await refresh(app, pair.refresh_token)
      t.assert.strictEqual(first.statusCode, 200)
      const next: Pair = first.json()
      t.assert.deepStrictEqual([next.token_type, next.expires_in], ['bearer', 1800])
      t.assert.notStrictEqual(next.refresh_token, pair.refresh_token)
      t.assert.strictEqual((await me(app, next.access_token)).json().id, user.user.id)
      const [oldRow, newRow] = [await storedToken(app, pair.refresh_token), await storedToken(app, next.refresh_token)]
      t.assert.ok(oldRow?.used_at !== null)
      t.assert.strictEqual(newRow?.family_id, oldRow?.family_id)
      const second = await refresh(app, next.refresh_token, '/auth/refresh')
      t.assert.strictEqual(second.statusCode, 200)
    })

    it('reuse of a spent token is a 401 and revokes its whole login, the newer token included; other logins stay', async (t: TestContext) => {
      const { app, user, pair } = await setUp(t)
      const other = await loginPair(app, user.user.email, user.password)
      const rotated: Pair = (await refresh(app, pair.refresh_token)).json()

      const replay = await refresh(app, pair.refresh_token)
      t.assert.strictEqual(replay.statusCode, 401)
      t.assert.strictEqual(replay.headers['www-authenticate'], 'Bearer')
      t.assert.strictEqual(replay.json().detail, 'Invalid or expired refresh token')

      t.assert.strictEqual((await refresh(app, rotated.refresh_token)).statusCode, 401, 'the newer token of that login is revoked')
      t.assert.ok((await storedToken(app, rotated.refresh_token))?.revoked_at !== null)
      t.assert.strictEqual((await refresh(app, other.refresh_token)).statusCode, 200, 'another login still works')
    })

    it('two concurrent refreshes with one token: exactly one succeeds', async (t: TestContext) => {
      const { app, user, pair } = await setUp(t)
      for (let round = 0; round < 3; round += 1) {
        const fresh = round === 0 ? pair : await loginPair(app, user.user.email, user.password)
        const answers = await Promise.all(
          Array.from({ length: 4 }, async () => await refresh(app, fresh.refresh_token))
        )
        const statuses = answers.map((a) => a.statusCode).sort()
        t.assert.deepStrictEqual(statuses, [200, 401, 401, 401], `round ${round}`)
      }
    })

    it('rejects unknown, malformed and missing refresh tokens', async (t: TestContext) => {
      const { app, pair } = await setUp(t)
      t.assert.strictEqual((await refresh(app, 'x'.repeat(43))).statusCode, 401)
      t.assert.strictEqual((await refresh(app, pair.access_token)).statusCode, 401, 'an access token is no refresh token')
      t.assert.strictEqual((await app.inject({ method: 'POST', url: '/auth/refresh', payload: {} })).statusCode, 422)
    })

    it('an expired refresh token is refused (REFRESH_TOKEN_EXPIRE_DAYS)', async (t: TestContext) => {
      // 0.00002 days: 1.7 seconds.
      const { app, pair } = await setUp(t, { REFRESH_TOKEN_EXPIRE_DAYS: '0.00002' })
      const rotated = await refresh(app, pair.refresh_token)
      t.assert.strictEqual(rotated.statusCode, 200, 'still fresh')
      await sleep(2000)
      t.assert.strictEqual((await refresh(app, rotated.json().refresh_token)).statusCode, 401)
    })

    it('logout revokes that login only, needs no access token, and answers 204 to an unknown token', async (t: TestContext) => {
      const { app, user, pair } = await setUp(t)
      const other = await loginPair(app, user.user.email, user.password)
      const rotated: Pair = (await refresh(app, pair.refresh_token)).json()
      const res = await logout(app, rotated.refresh_token)
      t.assert.deepStrictEqual([res.statusCode, res.body], [204, ''])
      t.assert.strictEqual((await refresh(app, rotated.refresh_token)).statusCode, 401)
      t.assert.strictEqual((await refresh(app, other.refresh_token)).statusCode, 200)
      t.assert.strictEqual((await logout(app, 'never-issued')).statusCode, 204)
      t.assert.strictEqual((await app.inject({ method: 'POST', url: '/auth/logout', payload: { refresh_token: pair.refresh_token } })).statusCode, 204)
    })

    it('refresh and reset tokens are never accepted as Bearer tokens', async (t: TestContext) => {
      const { app, pair } = await setUp(t)
      const res = await me(app, pair.refresh_token)
      t.assert.strictEqual(res.statusCode, 401)
      t.assert.strictEqual(res.headers['www-authenticate'], 'Bearer')
    })

    it('an admin deactivating a user (PATCH /users/{id} is_active) shuts out their access and refresh tokens', async (t: TestContext) => {
      const { app, user, pair } = await setUp(t)
      const admin = await createUser(app, { role: 'admin' })
      const off = await injectAs(app, admin, { method: 'PATCH', url: `/users/${user.user.id}`, payload: { is_active: false } })
      t.assert.deepStrictEqual([off.statusCode, off.json().is_active, off.json().email], [200, false, user.user.email])
      t.assert.strictEqual((await me(app, pair.access_token)).statusCode, 401)
      t.assert.strictEqual((await refresh(app, pair.refresh_token)).statusCode, 401)
      await injectAs(app, admin, { method: 'PATCH', url: `/users/${user.user.id}`, payload: { is_active: true } })
      const again = await loginPair(app, user.user.email, user.password)
      t.assert.strictEqual((await me(app, again.access_token)).statusCode, 200)
    })

    it('refuses to refresh for a deactivated user, and a deleted user\'s tokens are gone with them', async (t: TestContext) => {
      const { app, user, pair } = await setUp(t)
      await updateUser(app.db, user.user.id, { is_active: 0 })
      t.assert.strictEqual((await refresh(app, pair.refresh_token)).statusCode, 401)

      const leaving = await createUser(app)
      const leavingPair = await loginPair(app, leaving.user.email, leaving.password)
      const del = await app.inject({ method: 'DELETE', url: '/users/me', headers: { authorization: `Bearer ${leavingPair.access_token}` } })
      t.assert.strictEqual(del.statusCode, 204)
      const left = await app.db.selectFrom('refresh_tokens').select('id').where('user_id', '=', leaving.user.id).execute()
      t.assert.deepStrictEqual(left, [], 'cascaded with the user')
      t.assert.strictEqual((await refresh(app, leavingPair.refresh_token)).statusCode, 401)
    })
  })
}
