import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser, injectAs, seedUsers } from '../../helpers/users.js'

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

const valid = { name: 'Ann Example', email: 'ann@example.com', password: 'correct-horse' }

async function signUp (app: FastifyInstance, payload: object, url = '/api/v1/users') {
  return await app.inject({ method: 'POST', url, payload })
}

/** The `loc`s of a 422's issues. */
function locs (body: { detail: Array<{ loc: unknown[] }> }): unknown[][] {
  return body.detail.map((issue) => issue.loc)
}

for (const dialect of testDialects()) {
  describe(`POST /api/v1/users (${dialect})`, () => {
    for (const url of ['/api/v1/users', '/users']) {
      it(`creates a user at ${url}: 201, Location and the user without secrets`, async (t: TestContext) => {
        const app = await buildTestApp(t, dialect)
        const res = await signUp(app, { ...valid, age: 30 }, url)
        t.assert.strictEqual(res.statusCode, 201)
        const body = res.json()
        t.assert.strictEqual(res.headers.location, `/api/v1/users/${body.id}`)
        t.assert.ok(Number.isInteger(body.id) && body.id > 0)
        t.assert.deepStrictEqual(Object.keys(body).sort(), ['age', 'created_at', 'email', 'id', 'is_active', 'name', 'role'])
        t.assert.deepStrictEqual(
          { name: body.name, email: body.email, age: body.age, role: body.role, is_active: body.is_active },
          { name: 'Ann Example', email: 'ann@example.com', age: 30, role: 'user', is_active: true }
        )
        t.assert.match(body.created_at, ISO_UTC)
        t.assert.ok(Math.abs(Date.parse(body.created_at) - Date.now()) < 60_000)
        t.assert.ok(!res.body.includes('password') && !res.body.includes('correct-horse') && !res.body.includes('argon2'))
      })
    }

    it('trims the name before checking its length', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const res = await signUp(app, { ...valid, name: '  Ann  ' })
      t.assert.strictEqual(res.statusCode, 201)
      t.assert.strictEqual(res.json().name, 'Ann')
      const blank = await signUp(app, { ...valid, email: 'blank@example.com', name: '   ' })
      t.assert.strictEqual(blank.statusCode, 422)
      t.assert.deepStrictEqual(locs(blank.json()), [['body', 'name']])
      const padded = await signUp(app, { ...valid, email: 'padded@example.com', name: ` ${'a'.repeat(100)} ` })
      t.assert.strictEqual(padded.statusCode, 201)
      t.assert.strictEqual(padded.json().name, 'a'.repeat(100))
    })

    it('takes a name of 100 characters and refuses 101', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ok = await signUp(app, { ...valid, name: 'n'.repeat(100) })
      t.assert.strictEqual(ok.statusCode, 201)
      t.assert.strictEqual(ok.json().name, 'n'.repeat(100))
      const long = await signUp(app, { ...valid, email: 'long@example.com', name: 'n'.repeat(101) })
      t.assert.strictEqual(long.statusCode, 422)
      t.assert.deepStrictEqual(long.json().detail[0].loc, ['body', 'name'])
      t.assert.strictEqual(long.json().detail[0].type, 'string_too_long')
    })

    it('stores the e-mail lower-case and refuses an invalid one', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const res = await signUp(app, { ...valid, email: 'Ann.Mixed@Example.COM' })
      t.assert.strictEqual(res.statusCode, 201)
      t.assert.strictEqual(res.json().email, 'ann.mixed@example.com')
      const login = await app.inject({ method: 'POST', url: '/api/v1/login', payload: { email: 'ann.mixed@example.com', password: valid.password } })
      t.assert.strictEqual(login.statusCode, 200)
      for (const email of ['not-an-email', 'ann@', '@example.com', '', 42]) {
        const bad = await signUp(app, { ...valid, email })
        t.assert.strictEqual(bad.statusCode, 422, `email ${JSON.stringify(email)}`)
        t.assert.deepStrictEqual(locs(bad.json()), [['body', 'email']])
      }
    })

    it('returns 409 when the email is taken in another case, and creates nothing', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const first = await createUser(app, { email: 'taken@example.com' })
      const res = await signUp(app, { ...valid, email: 'TAKEN@Example.com' })
      t.assert.strictEqual(res.statusCode, 409)
      t.assert.deepStrictEqual(res.json(), { detail: 'Email already registered' })
      const list = await injectAs(app, first, { url: '/api/v1/users' })
      t.assert.strictEqual(list.json().total, 1)
    })

    it('lets exactly one of two concurrent sign-ups with one e-mail win', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const [a, b] = await Promise.all([
        signUp(app, { ...valid, email: 'race@example.com' }),
        signUp(app, { ...valid, email: 'RACE@example.com' })
      ])
      t.assert.deepStrictEqual([a.statusCode, b.statusCode].sort(), [201, 409])
      const loser = a.statusCode === 409 ? a : b
      t.assert.deepStrictEqual(loser.json(), { detail: 'Email already registered' })
    })

    it('takes passwords of 8 to 128 characters', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const cases: Array<[number, number]> = [[7, 422], [8, 201], [128, 201], [129, 422]]
      for (const [length, status] of cases) {
        const res = await signUp(app, { ...valid, email: `pw${length}@example.com`, password: 'p'.repeat(length) })
        t.assert.strictEqual(res.statusCode, status, `password of ${length}`)
        if (status === 422) t.assert.deepStrictEqual(locs(res.json()), [['body', 'password']])
      }
      const login = await app.inject({ method: 'POST', url: '/api/v1/login', payload: { email: 'pw128@example.com', password: 'p'.repeat(128) } })
      t.assert.strictEqual(login.statusCode, 200)
    })

    it('takes an integer age from 0 to 150, null or none at all', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const cases: Array<[unknown, number, unknown?]> = [
        [0, 201, 0], [150, 201, 150], [null, 201, null], [undefined, 201, null],
        [-1, 422], [151, 422], [1.5, 422], ['30', 422], [true, 422]
      ]
      for (const [i, [age, status, stored]] of cases.entries()) {
        const res = await signUp(app, { ...valid, email: `age${i}@example.com`, age })
        t.assert.strictEqual(res.statusCode, status, `age ${JSON.stringify(age)}`)
        if (status === 201) {
          t.assert.ok(Object.hasOwn(res.json(), 'age'))
          t.assert.strictEqual(res.json().age, stored)
        } else {
          t.assert.deepStrictEqual(locs(res.json()), [['body', 'age']])
        }
      }
    })

    it('ignores unknown fields: role, is_active and id take no effect', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const res = await signUp(app, { ...valid, role: 'admin', is_active: false, id: 999, hashed_password: 'x' })
      t.assert.strictEqual(res.statusCode, 201)
      const body = res.json()
      t.assert.strictEqual(body.role, 'user')
      t.assert.strictEqual(body.is_active, true)
      t.assert.notStrictEqual(body.id, 999)
      const login = await app.inject({ method: 'POST', url: '/api/v1/login', payload: { email: valid.email, password: valid.password } })
      t.assert.strictEqual(login.statusCode, 200)
      const me = await app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${login.json().access_token}` } })
      t.assert.deepStrictEqual([me.json().id, me.json().role, me.json().is_active], [body.id, 'user', true])
      // Not an admin: an admin-only route stays closed.
      const admin = await app.inject({ method: 'DELETE', url: `/api/v1/users/${body.id}`, headers: { authorization: `Bearer ${login.json().access_token}` } })
      t.assert.strictEqual(admin.statusCode, 403)
    })

    it('reports each missing field at body.<field> with type missing', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const res = await signUp(app, {})
      t.assert.strictEqual(res.statusCode, 422)
      const issues = res.json().detail as Array<{ loc: unknown[], type: string }>
      t.assert.deepStrictEqual(
        issues.map((i) => [i.loc, i.type]).sort(),
        [[['body', 'email'], 'missing'], [['body', 'name'], 'missing'], [['body', 'password'], 'missing']]
      )
      const one = await signUp(app, { name: 'Ann', email: 'ann@example.com' })
      t.assert.deepStrictEqual(one.json().detail.map((i: { loc: unknown[], type: string }) => [i.loc, i.type]), [[['body', 'password'], 'missing']])
    })
  })

  describe(`GET /api/v1/users (${dialect})`, () => {
    it('returns 401 without a token', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const url of ['/api/v1/users', '/users']) {
        const res = await app.inject({ url })
        t.assert.strictEqual(res.statusCode, 401)
        t.assert.strictEqual(res.headers['www-authenticate'], 'Bearer')
        t.assert.strictEqual(typeof res.json().detail, 'string')
      }
    })

    it('pages by id ascending with page=1 and page_size=10 by default', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      // Names in reverse order, so an order by name would show.
      await seedUsers(app, Array.from({ length: 24 }, (_, i) => ({ name: `Seed ${String(99 - i)}` })))
      const res = await injectAs(app, viewer, { url: '/users' })
      t.assert.strictEqual(res.statusCode, 200)
      const body = res.json()
      t.assert.deepStrictEqual(Object.keys(body).sort(), ['items', 'page', 'page_size', 'pages', 'total'])
      t.assert.deepStrictEqual(
        [body.total, body.page, body.page_size, body.pages, body.items.length], [25, 1, 10, 3, 10]
      )
      t.assert.strictEqual(body.items[0].id, viewer.user.id)
      // Each item is a user as the contract shapes it, nothing of the row that carried the total.
      t.assert.deepStrictEqual(Object.keys(body.items[1]).sort(), ['created_at', 'id', 'is_active', 'name', 'role'])
      const ids = body.items.map((u: { id: number }) => u.id)
      t.assert.deepStrictEqual(ids, [...ids].sort((a, b) => a - b))
    })

    it('computes pages and serves the last, partial page', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      const seeded = await seedUsers(app, Array.from({ length: 24 }, (_, i) => ({ name: `Seed ${i}` })))
      const allIds = [viewer.user.id, ...seeded.map((u) => u.id)]
      const seen: number[] = []
      for (const page of [1, 2, 3]) {
        const res = await injectAs(app, viewer, { url: `/api/v1/users?page=${page}&page_size=10` })
        const body = res.json()
        t.assert.deepStrictEqual([body.page, body.pages, body.total], [page, 3, 25])
        t.assert.strictEqual(body.items.length, page === 3 ? 5 : 10)
        seen.push(...body.items.map((u: { id: number }) => u.id))
      }
      t.assert.deepStrictEqual(seen, allIds)
      const beyond = await injectAs(app, viewer, { url: '/api/v1/users?page=4' })
      t.assert.deepStrictEqual([beyond.statusCode, beyond.json().items, beyond.json().pages], [200, [], 3])
      const exact = await injectAs(app, viewer, { url: '/api/v1/users?page_size=5' })
      t.assert.strictEqual(exact.json().pages, 5)
      const one = await injectAs(app, viewer, { url: '/api/v1/users?page_size=100' })
      t.assert.deepStrictEqual(
        [one.statusCode, one.json().items.length, one.json().pages, one.json().page_size], [200, 25, 1, 100]
      )
    })

    it('refuses page_size outside 1–100 and page below 1 or not a number', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      const cases: Array<[string, string]> = [
        ['page_size=101', 'page_size'], ['page_size=0', 'page_size'], ['page_size=-1', 'page_size'],
        ['page=0', 'page'], ['page=-3', 'page'], ['page=abc', 'page'], ['page=1.5', 'page'], ['page_size=ten', 'page_size']
      ]
      for (const [query, field] of cases) {
        const res = await injectAs(app, viewer, { url: `/api/v1/users?${query}` })
        t.assert.strictEqual(res.statusCode, 422, query)
        t.assert.deepStrictEqual(locs(res.json()), [['query', field]], query)
      }
    })
    it('answers a page beyond every row with no items, however large', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const viewer = await createUser(app)
      for (const page of ['1000000', '922337203685477580', '99999999999999999999']) {
        const res = await injectAs(app, viewer, { url: `/api/v1/users?page=${page}&page_size=100` })
        t.assert.strictEqual(res.statusCode, 200, `page ${page}: ${res.body}`)
        t.assert.deepStrictEqual([res.json().items, res.json().total, res.json().pages], [[], 1, 1])
      }
    })
  })

  describe(`user visibility (${dialect})`, () => {
    it('shows email and age to the user themself and admins only, in lists and single reads', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app, { age: 31 })
      const bob = await createUser(app)
      const admin = await createUser(app, { role: 'admin', age: 50 })
      const privateKeys = (u: object) => ['email', 'age'].filter((key) => Object.hasOwn(u, key))

      const annList = (await injectAs(app, ann, { url: '/api/v1/users' })).json().items as Array<{ id: number }>
      t.assert.deepStrictEqual(annList.map((u) => [u.id, privateKeys(u)]), [
        [ann.user.id, ['email', 'age']], [bob.user.id, []], [admin.user.id, []]
      ])
      const adminList = (await injectAs(app, admin, { url: '/api/v1/users' })).json().items as Array<{ id: number, email: string, age: number | null }>
      t.assert.deepStrictEqual(adminList.map((u) => [u.id, u.email, u.age]), [
        [ann.user.id, ann.user.email, 31], [bob.user.id, bob.user.email, null], [admin.user.id, admin.user.email, 50]
      ])

      const bobByAnn = (await injectAs(app, ann, { url: `/api/v1/users/${bob.user.id}` })).json()
      t.assert.deepStrictEqual(privateKeys(bobByAnn), [])
      t.assert.deepStrictEqual(Object.keys(bobByAnn).sort(), ['created_at', 'id', 'is_active', 'name', 'role'])
      const adminByAnn = (await injectAs(app, ann, { url: `/api/v1/users/${admin.user.id}` })).json()
      t.assert.deepStrictEqual(privateKeys(adminByAnn), [])
      const bobByBob = (await injectAs(app, bob, { url: `/api/v1/users/${bob.user.id}` })).json()
      t.assert.deepStrictEqual([bobByBob.email, bobByBob.age], [bob.user.email, null])
      const annByAdmin = (await injectAs(app, admin, { url: `/users/${ann.user.id}` })).json()
      t.assert.deepStrictEqual([annByAdmin.email, annByAdmin.age], [ann.user.email, 31])
    })
  })

  describe(`GET /api/v1/users/{user_id} (${dialect})`, () => {
    it('returns the user', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const bob = await createUser(app)
      const res = await injectAs(app, ann, { url: `/api/v1/users/${bob.user.id}` })
      t.assert.strictEqual(res.statusCode, 200)
      const { created_at: createdAt, ...rest } = res.json()
      t.assert.deepStrictEqual(rest, { id: bob.user.id, name: bob.user.name, role: 'user', is_active: true })
      t.assert.match(createdAt, ISO_UTC)
      t.assert.strictEqual((await app.inject({ url: `/api/v1/users/${bob.user.id}` })).statusCode, 401)
    })

    it('returns 404 for an unknown id and 422 for an id that is not one', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const res = await injectAs(app, ann, { url: '/api/v1/users/999' })
      t.assert.deepStrictEqual([res.statusCode, res.json()], [404, { detail: 'User 999 not found' }])
      const huge = await injectAs(app, ann, { url: '/users/9223372036854775807' })
      t.assert.strictEqual(huge.statusCode, 404)
      for (const id of ['0', '-1', 'abc', '1.5', '99999999999999999999']) {
        const bad = await injectAs(app, ann, { url: `/api/v1/users/${id}` })
        t.assert.strictEqual(bad.statusCode, 422, id)
        t.assert.deepStrictEqual(locs(bad.json()), [['path', 'user_id']])
      }
    })
  })
}
