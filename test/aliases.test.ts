import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp, testDialects } from './helpers/build-app.js'
import { createUser, injectAs } from './helpers/users.js'

/** The value of the sample `name{labels}`, or undefined when the scrape has no such line. */
function sample (body: string, name: string, labels: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

async function signUp (app: FastifyInstance, url: string, email: string, key: string): Promise<LightMyRequestResponse> {
  return await app.inject({
    method: 'POST', url, headers: { 'idempotency-key': key }, payload: { name: 'Ann', email, password: 'correct-horse' }
  })
}

for (const dialect of testDialects()) {
  describe(`unprefixed aliases of /api/v1 (${dialect})`, () => {
    it('share the /api/v1 route\'s rate-limit bucket, idempotency scope and metrics series', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect, {
        RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_USERS_LIST: '2/minute', RATE_LIMIT_SIGNUP: '4/hour'
      })
      const viewer = await createUser(app) // the first of the four sign-ups

      const list = async (url: string): Promise<LightMyRequestResponse> => await injectAs(app, viewer, { url })
      const listed = [await list('/users'), await list('/api/v1/users'), await list('/users')]
      t.assert.deepStrictEqual(listed.map((res) => res.statusCode), [200, 200, 429])
      t.assert.deepStrictEqual(listed.map((res) => res.headers['x-ratelimit-remaining']), ['1', '0', '0'])

      const first = await signUp(app, '/users', 'ann@example.com', 'key-1')
      t.assert.strictEqual(first.statusCode, 201)
      const replay = await signUp(app, '/api/v1/users', 'ann@example.com', 'key-1')
      t.assert.deepStrictEqual([replay.statusCode, replay.headers['idempotent-replayed'], replay.body], [201, 'true', first.body])
      const otherBody = await signUp(app, '/api/v1/users', 'bob@example.com', 'key-1')
      t.assert.strictEqual(otherBody.statusCode, 422, 'the key is taken in the one scope of both paths')
      t.assert.strictEqual((await signUp(app, '/users', 'cy@example.com', 'key-2')).statusCode, 429)
      // Keys are kept under the name they have always had, so that keys kept by an earlier release still replay.
      const kept = await app.db.selectFrom('idempotency_keys').select('route').execute()
      t.assert.deepStrictEqual(kept.map((row) => row.route), ['POST /users'])

      const metrics = (await app.inject({ url: '/metrics' })).body
      const series = (method: string, status: number): number | undefined =>
        sample(metrics, 'http_requests_total', `method="${method}",route="/api/v1/users",status_code="${status}"`)
      t.assert.deepStrictEqual([series('GET', 200), series('GET', 429)], [2, 1])
      t.assert.deepStrictEqual([series('POST', 201), series('POST', 422), series('POST', 429)], [3, 1, 1])
      t.assert.ok(!metrics.includes('route="/users"'), 'no series of its own for the unprefixed path')
    })
  })
}
