import { describe, it, type TestContext } from 'node:test'
import { uploadDirOf } from '../../src/config.js'
import { buildTestApp, testDialects } from '../helpers/build-app.js'
import { PNG, storedUploadFiles } from '../helpers/multipart.js'
import { createUser } from '../helpers/users.js'

for (const dialect of testDialects()) {
  describe(`uploads over HTTP (${dialect})`, () => {
    it('takes a browser-style form, serves the bytes back, and answers an oversized file with a readable 413', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const base = await app.listen({ host: '127.0.0.1', port: 0 })
      const { accessToken } = await createUser(app)
      const auth = { authorization: `Bearer ${accessToken}` }

      const form = new FormData()
      form.append('file', new Blob([PNG], { type: 'image/png' }), 'dot.png')
      const created = await fetch(`${base}/upload`, { method: 'POST', headers: auth, body: form })
      t.assert.strictEqual(created.status, 201)
      const upload = await created.json() as { id: string, url: string }
      const download = await fetch(`${base}${upload.url}`)
      t.assert.strictEqual(download.status, 200)
      t.assert.deepStrictEqual(Buffer.from(await download.arrayBuffer()), PNG)

      // The default limit is 10 MiB; this file is 11 MiB and the client sends all of it.
      const big = new FormData()
      big.append('file', new Blob([Buffer.alloc(11 * 1024 * 1024, 'a')], { type: 'text/plain' }), 'big.txt')
      const refused = await fetch(`${base}/api/v1/upload`, { method: 'POST', headers: auth, body: big })
      t.assert.strictEqual(refused.status, 413)
      t.assert.match((await refused.json() as { detail: string }).detail, /over the limit of 10485760 bytes/)
      t.assert.deepStrictEqual(storedUploadFiles(uploadDirOf(app.config)), [upload.id])

      // The connection is still usable: the refused body was read to its end.
      const again = await fetch(`${base}/health`)
      t.assert.strictEqual(again.status, 200)
    })
  })
}
