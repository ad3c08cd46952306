import { connect } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import { buildTestApp, testDialects } from '../helpers/build-app.js'
import { captureLogs } from '../helpers/logs.js'

for (const dialect of testDialects()) {
  describe(`closing with a handler still running (${dialect})`, () => {
    it('keeps the database open for a handler whose client hung up', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      let entered!: () => void
      const inHandler = new Promise<void>((resolve) => { entered = resolve })
      let release!: () => void
      const gate = new Promise<void>((resolve) => { release = resolve })
      let outcome: string | undefined
      app.get('/test/slow', async () => {
        entered()
        await gate
        try {
          await app.db.selectFrom('users').select('id').execute()
          outcome = 'query ran'
        } catch (error) {
          outcome = (error as Error).message
        }
        return { ok: true }
      })
      const base = new URL(await app.listen({ host: '127.0.0.1', port: 0 }))
      const socket = connect({ host: base.hostname, port: Number(base.port) })
      socket.write('GET /test/slow HTTP/1.1\r\nHost: localhost\r\n\r\n')
      await inHandler
      socket.destroy()
      const closed = app.close()
      setTimeout(release, 200)
      await closed
      t.assert.strictEqual(outcome, 'query ran')
    })

    it('forgets every finished request, answered or abandoned, so closing waits for nothing', async (t: TestContext) => {
      const logs = captureLogs()
      const app = await buildTestApp(t, dialect, {}, { loggerInstance: logs.logger })
      const base = await app.listen({ host: '127.0.0.1', port: 0 })
      for (let i = 0; i < 5; i++) t.assert.strictEqual((await fetch(`${base}/api/v1/products`)).status, 200)
      const abandoned = new AbortController()
      const pending = fetch(`${base}/api/v1/products`, { signal: abandoned.signal }).catch(() => undefined)
      abandoned.abort()
      await pending
      const started = Date.now()
      await app.close()
      t.assert.ok(Date.now() - started < 4000, 'closed without waiting out the deadline')
      t.assert.ok(!logs.text().includes('closing with requests still running'))
    })
  })
}
