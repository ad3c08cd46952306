import { describe, it, type TestContext } from 'node:test'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'

for (const dialect of testDialects()) {
  describe(`system routes (${dialect})`, () => {
    it('GET / welcomes', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const res = await app.inject({ url: '/' })
      t.assert.strictEqual(res.statusCode, 200)
      t.assert.deepStrictEqual(res.json(), { message: 'Welcome to my API' })
    })

    it('GET /health is ok while the process runs', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const res = await app.inject({ url: '/health' })
      t.assert.deepStrictEqual([res.statusCode, res.json()], [200, { status: 'ok' }])
    })

    it('GET /ready is 200 while the database answers and 503 once it does not', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      t.assert.strictEqual((await app.inject({ url: '/ready' })).statusCode, 200)
      await app.db.destroy()
      const res = await app.inject({ url: '/ready' })
      t.assert.strictEqual(res.statusCode, 503)
    })
  })
}
