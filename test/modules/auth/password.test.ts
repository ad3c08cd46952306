import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { listJobs } from '../../../src/jobs/jobs.repository.js'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { startSmtpServer, type TestSmtpServer } from '../../helpers/smtp.js'
import { createUser, injectAs, type TestUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { login, loginPair, me, refresh, sleep } from './helpers.js'

const fastJobs = { JOBS_POLL_INTERVAL_MS: '20', JOBS_BACKOFF_BASE_MS: '20' }

async function changePassword (app: FastifyInstance, accessToken: string, body: object) {
  return await app.inject({ method: 'PUT', url: '/api/v1/users/me/password', headers: { authorization: `Bearer ${accessToken}` }, payload: body })
}

async function requestReset (app: FastifyInstance, email: string) {
  return await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } })
}

async function confirmReset (app: FastifyInstance, token: string, newPassword: string) {
  return await app.inject({ method: 'POST', url: '/auth/password-reset/confirm', payload: { token, new_password: newPassword } })
}

/** The token in the n-th mail the SMTP server received (the mail shows it indented on its own line). */
async function mailedToken (smtp: TestSmtpServer, index = 0): Promise<string> {
  const mail = await waitFor(() => smtp.received[index], 10_000, 'the reset mail')
  const token = /^ {4}([A-Za-z0-9_-]{43})\r?$/m.exec(mail.decoded)?.[1]
  if (token === undefined) throw new Error(`no token in the mail:\n${mail.decoded}`)
  return token
}

for (const dialect of testDialects()) {
  describe(`PUT /api/v1/users/me/password (${dialect})`, () => {
    it('changes the password: 204, old access token 401 at once, refresh tokens revoked, new login works', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      const pair = await loginPair(app, user.user.email, user.password)
      const res = await changePassword(app, pair.access_token, { current_password: user.password, new_password: 'new-password-1' })
      t.assert.deepStrictEqual([res.statusCode, res.body], [204, ''])
      // Same second as the change: still refused.
      t.assert.strictEqual((await me(app, pair.access_token)).statusCode, 401)
      t.assert.strictEqual((await injectAs(app, user, { url: '/users/me' })).statusCode, 401)
      t.assert.strictEqual((await refresh(app, pair.refresh_token)).statusCode, 401)
      t.assert.strictEqual((await login(app, user.user.email, user.password)).statusCode, 401)
      const fresh = await loginPair(app, user.user.email, 'new-password-1')
      t.assert.strictEqual((await me(app, fresh.access_token)).statusCode, 200, 'a login in the same second works')
      t.assert.strictEqual((await refresh(app, fresh.refresh_token)).statusCode, 200)
    })

    it('answers a wrong current password with 400 Incorrect password, and changes nothing', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      const res = await changePassword(app, user.accessToken, { current_password: 'not-my-password', new_password: 'new-password-1' })
      t.assert.deepStrictEqual([res.statusCode, res.json()], [400, { detail: 'Incorrect password' }])
      t.assert.strictEqual((await injectAs(app, user, { url: '/users/me' })).statusCode, 200)
      t.assert.strictEqual((await login(app, user.user.email, user.password)).statusCode, 200)
    })

    it('requires a new password of 8–128 characters and a signed-in user', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      for (const bad of ['short', 'x'.repeat(129)]) {
        const res = await changePassword(app, user.accessToken, { current_password: user.password, new_password: bad })
        t.assert.strictEqual(res.statusCode, 422)
        t.assert.deepStrictEqual(res.json().detail[0].loc, ['body', 'new_password'])
      }
      const anonymous = await app.inject({ method: 'PUT', url: '/users/me/password', payload: { current_password: 'a', new_password: 'new-password-1' } })
      t.assert.strictEqual(anonymous.statusCode, 401)
    })
  })

  describe(`password reset (${dialect})`, () => {
    async function setUp (
      t: TestContext, overrides: Record<string, string> = {}
    ): Promise<{ app: FastifyInstance, smtp: TestSmtpServer, user: TestUser }> {
      const smtp = await startSmtpServer(t)
      const app = await buildTestApp(t, dialect, { ...fastJobs, SMTP_URL: smtp.url, ...overrides })
      app.jobs.start()
      const user = await createUser(app, { name: 'Reset Me' })
      // The welcome mail comes first, so the reset mails are received[1] onwards.
      await waitFor(() => smtp.received[0], 10_000, 'the welcome mail')
      return { app, smtp, user }
    }

    it('answers 202 with the same body for known and unknown e-mails; only the known one is mailed', async (t: TestContext) => {
      const smtp = await startSmtpServer(t)
      const app = await buildTestApp(t, dialect, { ...fastJobs, SMTP_URL: smtp.url })
      const user = await createUser(app)
      const known = await requestReset(app, user.user.email)
      const unknown = await requestReset(app, 'nobody@example.com')
      t.assert.strictEqual(known.statusCode, 202)
      t.assert.deepStrictEqual([unknown.statusCode, unknown.body, unknown.headers['content-type']], [202, known.body, known.headers['content-type']])
      const jobs = await waitFor(async () => {
        const all = await listJobs(app.db, { limit: 10 })
        return all.some((j) => j.type === 'send-password-reset-email') && all
      }, 5000, 'the reset job')
      const resets = jobs.filter((j) => j.type === 'send-password-reset-email').sort((a, b) => a.id - b.id).map((j) => JSON.parse(j.payload))
      t.assert.deepStrictEqual(resets, [
        { email: user.user.email, valid_minutes: 30 },
        { email: 'nobody@example.com', valid_minutes: 30 }
      ], 'both queued alike, and no token in the jobs')
      app.jobs.start()
      await waitFor(() => smtp.received.length >= 2, 10_000, 'the welcome and reset mails')
      await sleep(200)
      t.assert.deepStrictEqual(smtp.received.map((m) => m.to), [[user.user.email], [user.user.email]])
    })

    it('mails a token that resets the password once; older tokens die; the token is stored hashed', async (t: TestContext) => {
      const { app, smtp, user } = await setUp(t)
      const pair = await loginPair(app, user.user.email, user.password)
      t.assert.strictEqual((await requestReset(app, user.user.email.toUpperCase())).statusCode, 202)
      const token = await mailedToken(smtp, 1)
      const mail = smtp.received[1]!
      t.assert.match(mail.raw, /^Subject: Reset your Agora password\r$/m)
      t.assert.ok(mail.decoded.includes('Hello Reset Me,'))
      t.assert.ok(mail.decoded.includes('within 30 minutes'))
      const stored = await app.db.selectFrom('password_resets').select('token_hash').execute()
      t.assert.strictEqual(stored.length, 1)
      t.assert.notStrictEqual(stored[0]?.token_hash, token)
      t.assert.strictEqual((await me(app, token)).statusCode, 401, 'a reset token is no bearer token')

      const res = await confirmReset(app, token, 'brand-new-password')
      t.assert.deepStrictEqual([res.statusCode, res.body], [204, ''])
      t.assert.strictEqual((await me(app, pair.access_token)).statusCode, 401, 'older access tokens are refused')
      t.assert.strictEqual((await refresh(app, pair.refresh_token)).statusCode, 401, 'refresh tokens are revoked')
      t.assert.strictEqual((await login(app, user.user.email, user.password)).statusCode, 401)
      const fresh = await loginPair(app, user.user.email, 'brand-new-password')
      t.assert.strictEqual((await me(app, fresh.access_token)).statusCode, 200)

      const again = await confirmReset(app, token, 'another-password')
      t.assert.deepStrictEqual([again.statusCode, again.json()], [400, { detail: 'Invalid or expired token' }], 'single use')
    })

    it('a reset voids the other outstanding reset tokens of the user', async (t: TestContext) => {
      const { app, smtp, user } = await setUp(t)
      await requestReset(app, user.user.email)
      const first = await mailedToken(smtp, 1)
      await requestReset(app, user.user.email)
      const second = await mailedToken(smtp, 2)
      t.assert.notStrictEqual(first, second)
      t.assert.strictEqual((await confirmReset(app, second, 'brand-new-password')).statusCode, 204)
      t.assert.strictEqual((await confirmReset(app, first, 'another-password')).statusCode, 400)
    })

    it('refuses bad and expired tokens with 400 (PASSWORD_RESET_EXPIRE_MINUTES)', async (t: TestContext) => {
      // 0.05 minutes: 3 seconds.
      const { app, smtp, user } = await setUp(t, { PASSWORD_RESET_EXPIRE_MINUTES: '0.05' })
      for (const bad of ['x'.repeat(43), 'short']) {
        const res = await confirmReset(app, bad, 'brand-new-password')
        t.assert.deepStrictEqual([res.statusCode, res.json()], [400, { detail: 'Invalid or expired token' }])
      }
      await requestReset(app, user.user.email)
      const token = await mailedToken(smtp, 1)
      await sleep(3200)
      const res = await confirmReset(app, token, 'brand-new-password')
      t.assert.deepStrictEqual([res.statusCode, res.json()], [400, { detail: 'Invalid or expired token' }])
      t.assert.strictEqual((await login(app, user.user.email, user.password)).statusCode, 200, 'the password is unchanged')
    })

    it('validates the new password (8–128) before spending the token', async (t: TestContext) => {
      const { app, smtp, user } = await setUp(t)
      await requestReset(app, user.user.email)
      const token = await mailedToken(smtp, 1)
      t.assert.strictEqual((await confirmReset(app, token, 'short')).statusCode, 422)
      t.assert.strictEqual((await confirmReset(app, token, 'long-enough-now')).statusCode, 204)
    })
  })
}
