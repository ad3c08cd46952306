import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { hashingSlots } from '../../src/lib/passwords.js'
import { purgeExpiredIdempotencyKeys } from '../../src/plugins/idempotency.repository.js'
import { buildTestApp, testDialects } from '../helpers/build-app.js'
import { waitFor } from '../helpers/wait.js'
import { createUser, injectAs, type TestUser } from '../helpers/users.js'

const signUpBody = { name: 'Ann', email: 'ann@example.com', password: 'correct-horse' }
const productBody = { name: 'Lamp', price: 19.99, quantity: 3, tags: ['home'] }

async function signUp (
  app: FastifyInstance, key: string | undefined, payload: object | string, extra: Partial<InjectOptions> = {}
): Promise<LightMyRequestResponse> {
  return await app.inject({
    method: 'POST',
    url: '/api/v1/users',
    ...extra,
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }), ...extra.headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload)
  })
}

async function post (
  app: FastifyInstance, who: TestUser, url: string, key: string, payload: object
): Promise<LightMyRequestResponse> {
  return await injectAs(app, who, { method: 'POST', url, headers: { 'idempotency-key': key }, payload })
}

async function countRows (app: FastifyInstance, table: 'users' | 'products' | 'posts' | 'jobs' | 'idempotency_keys'): Promise<number> {
  const { count } = await app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()
  return Number(count)
}

/** Occupies every password-hashing slot until the returned function is called. */
function holdEveryHashingSlot (): () => void {
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  for (let slot = 0; slot < hashingSlots.concurrency; slot++) hashingSlots(async () => await gate)
  return release
}

for (const dialect of testDialects()) {
  describe(`Idempotency-Key (${dialect})`, () => {
    it('answers a retry with the same key and body with the stored response, creating nothing', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const first = await signUp(app, 'key-1', signUpBody)
      t.assert.strictEqual(first.statusCode, 201)
      t.assert.strictEqual(first.headers['idempotent-replayed'], undefined)
      for (const url of ['/api/v1/users', '/users']) {
        const retry = await signUp(app, 'key-1', signUpBody, { url })
        t.assert.strictEqual(retry.statusCode, 201, url)
        t.assert.strictEqual(retry.body, first.body)
        t.assert.strictEqual(retry.headers.location, first.headers.location)
        t.assert.strictEqual(retry.headers['content-type'], first.headers['content-type'])
        t.assert.strictEqual(retry.headers['idempotent-replayed'], 'true')
      }
      t.assert.strictEqual(await countRows(app, 'users'), 1)
      t.assert.strictEqual(await countRows(app, 'jobs'), 1, 'one welcome mail')
    })

    it('stores the response before the client sees it', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      await signUp(app, 'key-1', signUpBody)
      const row = await app.db.selectFrom('idempotency_keys').selectAll().executeTakeFirstOrThrow()
      t.assert.strictEqual(row.state, 'completed')
      t.assert.strictEqual(row.response_status, 201)
      t.assert.strictEqual(row.route, 'POST /users')
      t.assert.ok(!row.request_hash.includes('correct-horse') && !String(row.response_body).includes('correct-horse'))
      t.assert.ok(Date.parse(row.expires_at) > Date.now() + 23 * 3_600_000)
    })

    it('answers the same key with another body with a 422 at header.idempotency-key', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      t.assert.strictEqual((await signUp(app, 'key-1', signUpBody)).statusCode, 201)
      // Byte-identical: the same JSON spelt with other whitespace is another body.
      for (const payload of [{ ...signUpBody, email: 'bob@example.com' }, JSON.stringify(signUpBody, null, 2)]) {
        const res = await signUp(app, 'key-1', payload)
        t.assert.strictEqual(res.statusCode, 422)
        t.assert.deepStrictEqual(res.json().detail.map((issue: { loc: unknown[] }) => issue.loc), [['header', 'idempotency-key']])
      }
      t.assert.strictEqual(await countRows(app, 'users'), 1)
    })

    it('answers a retry while the first request still runs with a 409', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      // Sign-up hashes the password after the key is claimed. With every hashing slot held
      // here, the first request waits there, claimed and running, until the second has its answer.
      const release = holdEveryHashingSlot()
      const first = signUp(app, 'key-1', signUpBody)
      await waitFor(async () => await countRows(app, 'idempotency_keys') === 1, 5_000, 'the first claim')
      const conflict = await signUp(app, 'key-1', signUpBody)
      release()
      t.assert.strictEqual(conflict.statusCode, 409)
      t.assert.match(conflict.json().detail, /still being processed/)
      t.assert.strictEqual((await first).statusCode, 201)
      t.assert.strictEqual(await countRows(app, 'users'), 1)
      const after = await signUp(app, 'key-1', signUpBody)
      t.assert.strictEqual(after.statusCode, 201)
      t.assert.strictEqual(after.headers['idempotent-replayed'], 'true')
    })

    it('takes a key of 255 characters and refuses 256 or an empty one with a 400', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      t.assert.strictEqual((await signUp(app, 'k'.repeat(255), signUpBody)).statusCode, 201)
      for (const key of ['k'.repeat(256), '']) {
        const res = await signUp(app, key, { ...signUpBody, email: 'other@example.com' })
        t.assert.strictEqual(res.statusCode, 400, `length ${key.length}`)
        t.assert.deepStrictEqual(res.json(), { detail: 'Idempotency-Key must be 1 to 255 characters' })
      }
      t.assert.strictEqual(await countRows(app, 'users'), 1)
    })

    it('keeps nothing for a failed request, so the key can be retried with a corrected body', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const invalid = await signUp(app, 'key-1', { ...signUpBody, password: 'short' })
      t.assert.strictEqual(invalid.statusCode, 422)
      t.assert.strictEqual(await countRows(app, 'idempotency_keys'), 0)
      t.assert.strictEqual((await signUp(app, 'other', signUpBody)).statusCode, 201)
      const taken = await signUp(app, 'key-1', signUpBody)
      t.assert.strictEqual(taken.statusCode, 409)
      t.assert.deepStrictEqual(taken.json(), { detail: 'Email already registered' })
      const fixed = await signUp(app, 'key-1', { ...signUpBody, email: 'ann2@example.com' })
      t.assert.strictEqual(fixed.statusCode, 201)
      t.assert.strictEqual(fixed.headers['idempotent-replayed'], undefined)
      t.assert.strictEqual(await countRows(app, 'users'), 2)
    })

    it('scopes keys by caller and route', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const bob = await createUser(app)
      const a = await post(app, ann, '/api/v1/products', 'shared', productBody)
      const b = await post(app, bob, '/api/v1/products', 'shared', productBody)
      t.assert.deepStrictEqual([a.statusCode, b.statusCode], [201, 201])
      t.assert.notStrictEqual(a.json().id, b.json().id)
      const onPosts = await post(app, ann, '/api/v1/posts', 'shared', { title: 'Hello', content: 'World' })
      t.assert.strictEqual(onPosts.statusCode, 201)
      t.assert.strictEqual(await countRows(app, 'products'), 2)
      // Anonymous callers are told apart by their address.
      const here = await signUp(app, 'shared', signUpBody, { remoteAddress: '10.0.0.1' })
      const there = await signUp(app, 'shared', { ...signUpBody, email: 'there@example.com' }, { remoteAddress: '10.0.0.2' })
      t.assert.deepStrictEqual([here.statusCode, there.statusCode], [201, 201])
      const again = await signUp(app, 'shared', { ...signUpBody, email: 'there@example.com' }, { remoteAddress: '10.0.0.1' })
      t.assert.strictEqual(again.statusCode, 422)
    })

    it('replays a product with its Location and ETag, and a post', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const first = await post(app, ann, '/api/v1/products', 'p-1', productBody)
      const retry = await post(app, ann, '/products', 'p-1', productBody)
      t.assert.strictEqual(retry.statusCode, 201)
      t.assert.deepStrictEqual(retry.json(), first.json())
      t.assert.strictEqual(retry.headers.location, first.headers.location)
      t.assert.strictEqual(retry.headers.etag, first.headers.etag)
      t.assert.strictEqual(await countRows(app, 'products'), 1)
      const postBody = { title: 'Hello', content: 'World', published: false }
      const written = await post(app, ann, '/api/v1/posts', 'q-1', postBody)
      const rewritten = await post(app, ann, '/api/v1/posts', 'q-1', postBody)
      t.assert.deepStrictEqual([written.statusCode, rewritten.statusCode], [201, 201])
      t.assert.strictEqual(rewritten.body, written.body)
      t.assert.strictEqual(await countRows(app, 'posts'), 1)
    })

    it('replays a kept answer only to a caller still signed in', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      t.assert.strictEqual((await post(app, ann, '/api/v1/products', 'key-1', productBody)).statusCode, 201)
      t.assert.strictEqual((await post(app, ann, '/api/v1/products', 'key-1', productBody)).headers['idempotent-replayed'], 'true')
      const password = { current_password: ann.password, new_password: 'another-horse' }
      t.assert.strictEqual((await injectAs(app, ann, { method: 'PUT', url: '/api/v1/users/me/password', payload: password })).statusCode, 204)
      const retry = await post(app, ann, '/api/v1/products', 'key-1', productBody)
      t.assert.deepStrictEqual([retry.statusCode, retry.headers['idempotent-replayed']], [401, undefined])
      t.assert.strictEqual(await countRows(app, 'products'), 1)
    })

    it('runs the request again once the kept response expired', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      await post(app, ann, '/api/v1/products', 'p-1', productBody)
      await app.db.updateTable('idempotency_keys').set({ expires_at: '2000-01-01T00:00:00.000Z' }).execute()
      const later = await post(app, ann, '/api/v1/products', 'p-1', { ...productBody, name: 'Other' })
      t.assert.strictEqual(later.statusCode, 201)
      t.assert.strictEqual(later.json().name, 'Other')
      t.assert.strictEqual(await countRows(app, 'products'), 2)
    })

    it('lets a retry take over a claim whose request died, once its lease ran out', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      await post(app, ann, '/api/v1/products', 'p-1', productBody)
      // What a crash between the claim and the answer leaves behind.
      const crashed = { state: 'in_progress' as const, response_status: null, response_body: null, response_headers: null }
      await app.db.updateTable('idempotency_keys').set({ ...crashed, locked_until: '2999-01-01T00:00:00.000Z' }).execute()
      t.assert.strictEqual((await post(app, ann, '/api/v1/products', 'p-1', productBody)).statusCode, 409)
      await app.db.updateTable('idempotency_keys').set({ locked_until: '2000-01-01T00:00:00.000Z' }).execute()
      const retry = await post(app, ann, '/api/v1/products', 'p-1', productBody)
      t.assert.strictEqual(retry.statusCode, 201)
      t.assert.strictEqual(retry.headers['idempotent-replayed'], undefined)
      t.assert.strictEqual((await post(app, ann, '/api/v1/products', 'p-1', productBody)).headers['idempotent-replayed'], 'true')
    })

    it('keeps responses for IDEMPOTENCY_TTL_HOURS, and the purge deletes only expired keys', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect, { IDEMPOTENCY_TTL_HOURS: '0.5' })
      await signUp(app, 'key-1', signUpBody)
      await signUp(app, 'key-2', { ...signUpBody, email: 'bob@example.com' })
      const rows = await app.db.selectFrom('idempotency_keys').select(['idempotency_key', 'expires_at']).execute()
      for (const row of rows) t.assert.ok(Math.abs(Date.parse(row.expires_at) - Date.now() - 1_800_000) < 60_000)
      await app.db.updateTable('idempotency_keys').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('idempotency_key', '=', 'key-1').execute()
      t.assert.strictEqual(await purgeExpiredIdempotencyKeys(app.db), 1)
      const left = await app.db.selectFrom('idempotency_keys').select('idempotency_key').execute()
      t.assert.deepStrictEqual(left.map((row) => row.idempotency_key), ['key-2'])
    })

    it('ignores the header on routes that do not opt in, and documents it on those that do', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const patch = await injectAs(app, ann, {
        method: 'PATCH', url: '/api/v1/users/me', headers: { 'idempotency-key': 'k'.repeat(300) }, payload: { name: 'Annie' }
      })
      t.assert.strictEqual(patch.statusCode, 200)
      t.assert.strictEqual(await countRows(app, 'idempotency_keys'), 0)
      const { paths } = (await app.inject({ url: '/openapi.json' })).json()
      for (const path of ['/api/v1/users', '/api/v1/products', '/api/v1/posts']) {
        const parameters: Array<{ in: string, name: string }> = paths[path].post.parameters ?? []
        t.assert.ok(parameters.some((p) => p.in === 'header' && p.name === 'idempotency-key'), path)
      }
      t.assert.ok(!(paths['/api/v1/users/me'].patch.parameters ?? []).some((p: { name: string }) => p.name === 'idempotency-key'))
    })

    it('works over a real socket: two racing sign-ups create one user; the loser gets a 409 or the replay', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const address = await app.listen({ port: 0, host: '127.0.0.1' })
      const send = async (key: string, email: string): Promise<Response> => await fetch(`${address}/users`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ ...signUpBody, email })
      })
      // Over a socket the second request may arrive once the first is done (then it is a
      // replay), so the race is run until it has been lost while the first was running.
      let sawConflict = false
      for (let round = 1; round <= 5 && !sawConflict; round++) {
        const email = `race${round}@example.com`
        const answers = await Promise.all([send(`race-${round}`, email), send(`race-${round}`, email)])
        const [first, second] = answers.sort((a, b) => a.status - b.status || Number(a.headers.has('idempotent-replayed')) - Number(b.headers.has('idempotent-replayed')))
        t.assert.strictEqual(first!.status, 201)
        t.assert.strictEqual(first!.headers.get('idempotent-replayed'), null)
        if (second!.status === 409) sawConflict = true
        else t.assert.deepStrictEqual([second!.status, second!.headers.get('idempotent-replayed')], [201, 'true'])
        const replayed = await send(`race-${round}`, email)
        t.assert.deepStrictEqual([replayed.status, replayed.headers.get('idempotent-replayed')], [201, 'true'])
        t.assert.strictEqual(await countRows(app, 'users'), round)
      }
      t.assert.ok(sawConflict, 'one of the races was lost while the first request ran')
    })
  })
}
