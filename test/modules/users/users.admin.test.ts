import { describe, it, type TestContext } from 'node:test'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser, injectAs } from '../../helpers/users.js'

for (const dialect of testDialects()) {
  describe(`PATCH /api/v1/users/{user_id} (${dialect})`, () => {
    it('lets an admin change name, age, role and is_active', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const admin = await createUser(app, { role: 'admin' })
      const target = await createUser(app, { age: 40 })
      const res = await injectAs(app, admin, {
        method: 'PATCH', url: `/api/v1/users/${target.user.id}`, payload: { name: '  Promoted  ', age: 41, role: 'admin', is_active: true }
      })
      t.assert.strictEqual(res.statusCode, 200)
      t.assert.deepStrictEqual(
        [res.json().id, res.json().name, res.json().age, res.json().role, res.json().is_active, res.json().email],
        [target.user.id, 'Promoted', 41, 'admin', true, target.user.email]
      )
      const seen = (await injectAs(app, admin, { url: `/users/${target.user.id}` })).json()
      t.assert.deepStrictEqual([seen.name, seen.age, seen.role], ['Promoted', 41, 'admin'])
      // The new role takes effect at once: the promoted user can now use admin routes.
      const other = await createUser(app)
      const asAdmin = await injectAs(app, target, { method: 'PATCH', url: `/api/v1/users/${other.user.id}`, payload: { age: 5 } })
      t.assert.deepStrictEqual(
        [asAdmin.statusCode, asAdmin.json().age, asAdmin.json().email], [200, 5, other.user.email]
      )
    })

    it('changes only the fields sent and validates them', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const admin = await createUser(app, { role: 'admin' })
      const target = await createUser(app, { age: 40 })
      const url = `/api/v1/users/${target.user.id}`
      const res = await injectAs(app, admin, { method: 'PATCH', url, payload: { age: null } })
      t.assert.deepStrictEqual([res.statusCode, res.json().name, res.json().age, res.json().role], [200, target.user.name, null, 'user'])
      const cases: Array<[object, string]> = [
        [{ role: 'root' }, 'role'], [{ is_active: 'no' }, 'is_active'], [{ name: '  ' }, 'name'], [{ age: 151 }, 'age']
      ]
      for (const [payload, field] of cases) {
        const bad = await injectAs(app, admin, { method: 'PATCH', url, payload })
        t.assert.strictEqual(bad.statusCode, 422, JSON.stringify(payload))
        t.assert.deepStrictEqual(bad.json().detail.map((i: { loc: unknown[] }) => i.loc), [['body', field]])
      }
    })

    it('deactivating a user makes their token 401 and their login fail', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const admin = await createUser(app, { role: 'admin' })
      const target = await createUser(app)
      t.assert.strictEqual((await injectAs(app, target, { url: '/api/v1/users/me' })).statusCode, 200)
      const res = await injectAs(app, admin, { method: 'PATCH', url: `/api/v1/users/${target.user.id}`, payload: { is_active: false } })
      t.assert.deepStrictEqual([res.statusCode, res.json().is_active], [200, false])
      const me = await injectAs(app, target, { url: '/api/v1/users/me' })
      t.assert.strictEqual(me.statusCode, 401)
      t.assert.strictEqual(me.headers['www-authenticate'], 'Bearer')
      const login = await app.inject({ method: 'POST', url: '/api/v1/login', payload: { email: target.user.email, password: target.password } })
      t.assert.deepStrictEqual([login.statusCode, login.json()], [401, { detail: 'Invalid credentials' }])
      // Still listed, as inactive.
      const listed = (await injectAs(app, admin, { url: `/api/v1/users/${target.user.id}` })).json()
      t.assert.strictEqual(listed.is_active, false)
    })

    it('returns 403 to a normal user, even on themself, and changes nothing', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      const target = await createUser(app)
      for (const id of [target.user.id, user.user.id]) {
        const res = await injectAs(app, user, { method: 'PATCH', url: `/api/v1/users/${id}`, payload: { name: 'Hijacked', role: 'admin' } })
        t.assert.strictEqual(res.statusCode, 403)
        t.assert.strictEqual(typeof res.json().detail, 'string')
      }
      const me = (await injectAs(app, user, { url: '/users/me' })).json()
      t.assert.deepStrictEqual([me.name, me.role], [user.user.name, 'user'])
      const other = (await injectAs(app, target, { url: '/users/me' })).json()
      t.assert.strictEqual(other.name, target.user.name)
      const anonymous = await app.inject({ method: 'PATCH', url: `/api/v1/users/${target.user.id}`, payload: { name: 'x' } })
      t.assert.strictEqual(anonymous.statusCode, 401)
    })

    it('returns 404 for an unknown id', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const admin = await createUser(app, { role: 'admin' })
      const res = await injectAs(app, admin, { method: 'PATCH', url: '/users/999', payload: { name: 'Nobody' } })
      t.assert.deepStrictEqual([res.statusCode, res.json()], [404, { detail: 'User 999 not found' }])
    })
  })

  describe(`DELETE /api/v1/users/{user_id} (${dialect})`, () => {
    it('lets an admin delete a user: 204, then 404, and their token is 401', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const admin = await createUser(app, { role: 'admin' })
      const target = await createUser(app)
      const res = await injectAs(app, admin, { method: 'DELETE', url: `/api/v1/users/${target.user.id}` })
      t.assert.strictEqual(res.statusCode, 204)
      t.assert.strictEqual(res.body, '')
      const gone = await injectAs(app, admin, { url: `/api/v1/users/${target.user.id}` })
      t.assert.deepStrictEqual([gone.statusCode, gone.json()], [404, { detail: `User ${target.user.id} not found` }])
      const again = await injectAs(app, admin, { method: 'DELETE', url: `/users/${target.user.id}` })
      t.assert.strictEqual(again.statusCode, 404)
      t.assert.strictEqual((await injectAs(app, target, { url: '/api/v1/users/me' })).statusCode, 401)
      t.assert.strictEqual((await injectAs(app, admin, { url: '/api/v1/users' })).json().total, 1)
    })

    it('returns 403 to a normal user and deletes nothing', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      const target = await createUser(app)
      const res = await injectAs(app, user, { method: 'DELETE', url: `/api/v1/users/${target.user.id}` })
      t.assert.strictEqual(res.statusCode, 403)
      t.assert.strictEqual(typeof res.json().detail, 'string')
      t.assert.strictEqual((await injectAs(app, user, { url: `/api/v1/users/${target.user.id}` })).statusCode, 200)
      t.assert.strictEqual((await injectAs(app, target, { url: '/api/v1/users/me' })).statusCode, 200)
      t.assert.strictEqual((await app.inject({ method: 'DELETE', url: `/api/v1/users/${target.user.id}` })).statusCode, 401)
    })

    it('returns 404 for an unknown id and 422 for an id that is not one', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const admin = await createUser(app, { role: 'admin' })
      const res = await injectAs(app, admin, { method: 'DELETE', url: '/api/v1/users/999' })
      t.assert.deepStrictEqual([res.statusCode, res.json()], [404, { detail: 'User 999 not found' }])
      const bad = await injectAs(app, admin, { method: 'DELETE', url: '/api/v1/users/abc' })
      t.assert.strictEqual(bad.statusCode, 422)
    })
  })
}
