import { describe, it, type TestContext } from 'node:test'
import { hash as bcrypt } from '@node-rs/bcrypt'
import type { FastifyInstance } from 'fastify'
import { insertUser } from '../../../src/modules/users/users.repository.js'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { login, me } from './helpers.js'

async function storedHash (app: FastifyInstance, id: number): Promise<string> {
  return (await app.db.selectFrom('users').select('hashed_password').where('id', '=', id).executeTakeFirstOrThrow()).hashed_password
}

for (const dialect of testDialects()) {
  describe(`legacy bcrypt hashes (${dialect})`, () => {
    for (const version of ['2b', '2a'] as const) {
      it(`a user with a $${version}$ hash logs in, and the hash becomes argon2id`, async (t: TestContext) => {
        const app = await buildTestApp(t, dialect)
        const legacy = await bcrypt('guide-password', { cost: 4, version })
        t.assert.ok(legacy.startsWith(`$${version}$`))
        const user = await insertUser(app.db, { name: 'Legacy', email: 'legacy@example.com', hashed_password: legacy, age: null, role: 'user' })

        t.assert.strictEqual((await login(app, 'legacy@example.com', 'wrong-password')).statusCode, 401)
        t.assert.strictEqual(await storedHash(app, user.id), legacy, 'a failed login rehashes nothing')

        const res = await login(app, 'legacy@example.com', 'guide-password')
        t.assert.strictEqual(res.statusCode, 200)
        t.assert.strictEqual((await me(app, res.json().access_token)).json().id, user.id)
        t.assert.match(await storedHash(app, user.id), /^\$argon2id\$/)
        t.assert.strictEqual((await login(app, 'legacy@example.com', 'guide-password')).statusCode, 200, 'the new hash verifies')
      })
    }
  })
}
