import { describe, it, type TestContext } from 'node:test'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser, injectAs } from '../../helpers/users.js'

for (const dialect of testDialects()) {
  describe(`/api/v1/users/me (${dialect})`, () => {
    it('GET returns the caller and is not shadowed by /users/{user_id}', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      await createUser(app)
      const me = await createUser(app, { age: 22 })
      for (const url of ['/api/v1/users/me', '/users/me']) {
        const res = await injectAs(app, me, { url })
        t.assert.strictEqual(res.statusCode, 200, url)
        t.assert.deepStrictEqual(
          [res.json().id, res.json().email, res.json().age, res.json().role],
          [me.user.id, me.user.email, 22, 'user']
        )
      }
      t.assert.strictEqual((await app.inject({ url: '/api/v1/users/me' })).statusCode, 401)
    })

    it('PATCH updates name and age, trims the name and ignores role', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const me = await createUser(app, { age: 20 })
      const res = await injectAs(app, me, { method: 'PATCH', url: '/api/v1/users/me', payload: { name: '  Renamed  ', age: 21, role: 'admin', is_active: false } })
      t.assert.strictEqual(res.statusCode, 200)
      t.assert.deepStrictEqual(
        [res.json().name, res.json().age, res.json().role, res.json().is_active, res.json().email],
        ['Renamed', 21, 'user', true, me.user.email]
      )
      const after = (await injectAs(app, me, { url: '/users/me' })).json()
      t.assert.deepStrictEqual([after.name, after.age, after.role, after.is_active], ['Renamed', 21, 'user', true])
      const ageOnly = await injectAs(app, me, { method: 'PATCH', url: '/users/me', payload: { age: null } })
      t.assert.deepStrictEqual([ageOnly.statusCode, ageOnly.json().name, ageOnly.json().age], [200, 'Renamed', null])
      const forbidden = await injectAs(app, me, { method: 'DELETE', url: `/api/v1/users/${me.user.id}` })
      t.assert.strictEqual(forbidden.statusCode, 403)
    })

    it('PATCH validates name and age as sign-up does', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const me = await createUser(app)
      const cases: Array<[object, string]> = [
        [{ name: '   ' }, 'name'], [{ name: 'x'.repeat(101) }, 'name'], [{ name: 7 }, 'name'],
        [{ age: 151 }, 'age'], [{ age: -1 }, 'age'], [{ age: '30' }, 'age']
      ]
      for (const [payload, field] of cases) {
        const res = await injectAs(app, me, { method: 'PATCH', url: '/api/v1/users/me', payload })
        t.assert.strictEqual(res.statusCode, 422, JSON.stringify(payload))
        t.assert.deepStrictEqual(res.json().detail.map((i: { loc: unknown[] }) => i.loc), [['body', field]])
      }
      t.assert.strictEqual((await injectAs(app, me, { url: '/api/v1/users/me' })).json().name, me.user.name)
    })

    it('DELETE removes the account: 204, then the token is 401 and login fails', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const other = await createUser(app)
      const me = await createUser(app)
      const res = await injectAs(app, me, { method: 'DELETE', url: '/api/v1/users/me' })
      t.assert.strictEqual(res.statusCode, 204)
      t.assert.strictEqual(res.body, '')
      const again = await injectAs(app, me, { url: '/api/v1/users/me' })
      t.assert.strictEqual(again.statusCode, 401)
      t.assert.strictEqual(again.headers['www-authenticate'], 'Bearer')
      const login = await app.inject({ method: 'POST', url: '/api/v1/login', payload: { email: me.user.email, password: me.password } })
      t.assert.deepStrictEqual([login.statusCode, login.json()], [401, { detail: 'Invalid credentials' }])
      const gone = await injectAs(app, other, { url: `/api/v1/users/${me.user.id}` })
      t.assert.strictEqual(gone.statusCode, 404)
      t.assert.strictEqual((await injectAs(app, other, { url: '/api/v1/users' })).json().total, 1)
    })
  })
}
