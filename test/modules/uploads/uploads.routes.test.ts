import { createHash } from 'node:crypto'
import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { uploadDirOf } from '../../../src/config.js'
import type { Dialect } from '../../../src/db/database.js'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { multipartBody, PDF, PNG, storedUploadFiles, ZIP, type FieldPart, type FilePart } from '../../helpers/multipart.js'
import { createUser, injectAs, type TestUser } from '../../helpers/users.js'

async function upload (
  app: FastifyInstance, who: TestUser | undefined, parts: Array<FilePart | FieldPart>, url = '/api/v1/upload', headers: Record<string, string> = {}
): Promise<LightMyRequestResponse> {
  const body = multipartBody(parts)
  const options = { method: 'POST' as const, url, payload: body.payload, headers: { ...body.headers, ...headers } }
  return who === undefined ? await app.inject(options) : await injectAs(app, who, options)
}

/** What UPLOAD_DIR holds, temporary files included. */
function storedFiles (app: FastifyInstance): string[] {
  return storedUploadFiles(uploadDirOf(app.config))
}

async function uploadRows (app: FastifyInstance): Promise<number> {
  const { count } = await app.db.selectFrom('uploads').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()
  return Number(count)
}

async function setup (t: TestContext, dialect: Dialect, overrides: Record<string, string> = {}) {
  const app = await buildTestApp(t, dialect, overrides)
  return { app, ann: await createUser(app), bob: await createUser(app) }
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')

for (const dialect of testDialects()) {
  describe(`POST /upload (${dialect})`, () => {
    it('stores a file and answers 201 with its metadata and Location', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const res = await upload(app, ann, [{ field: 'file', filename: 'dot.png', content: PNG, contentType: 'image/png' }])
      t.assert.strictEqual(res.statusCode, 201, res.body)
      const body = res.json()
      t.assert.match(body.id, /^[A-Za-z0-9_-]{24}$/)
      t.assert.deepStrictEqual(
        {
          filename: body.filename,
          content_type: body.content_type,
          size: body.size,
          sha256: body.sha256,
          url: body.url,
          user_id: body.user_id
        },
        { filename: 'dot.png', content_type: 'image/png', size: PNG.length, sha256: sha256(PNG), url: `/api/v1/uploads/${body.id}`, user_id: ann.user.id }
      )
      t.assert.strictEqual(res.headers.location, body.url)
      t.assert.deepStrictEqual(storedFiles(app), [body.id])
    })

    it('is served at the unprefixed path too', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const res = await upload(app, ann, [{ field: 'file', filename: 'a.txt', content: 'hello' }], '/upload')
      t.assert.strictEqual(res.statusCode, 201, res.body)
      t.assert.strictEqual(res.json().content_type, 'text/plain')
    })

    it('answers 401 without a token', async (t: TestContext) => {
      const { app } = await setup(t, dialect)
      const res = await upload(app, undefined, [{ field: 'file', filename: 'a.txt', content: 'hello' }])
      t.assert.strictEqual(res.statusCode, 401)
      const many = await upload(app, undefined, [{ field: 'files', filename: 'a.txt', content: 'hello' }], '/upload-multiple')
      t.assert.strictEqual(many.statusCode, 401)
      t.assert.deepStrictEqual(storedFiles(app), [])
    })

    it('answers 415 to a body that is not multipart', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const asJson = await injectAs(app, ann, { method: 'POST', url: '/api/v1/upload', payload: { file: 'aGVsbG8=' } })
      t.assert.strictEqual(asJson.statusCode, 415)
      t.assert.match(asJson.json().detail, /multipart\/form-data/)
      const asText = await injectAs(app, ann, { method: 'POST', url: '/api/v1/upload', headers: { 'content-type': 'text/plain' }, payload: 'hello' })
      t.assert.strictEqual(asText.statusCode, 415)
      const none = await injectAs(app, ann, { method: 'POST', url: '/api/v1/upload' })
      t.assert.strictEqual(none.statusCode, 415)
    })

    it('answers 422 when the form has no file field', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const res = await upload(app, ann, [{ field: 'note', value: 'hi' }, { field: 'other', filename: 'a.txt', content: 'hello' }])
      t.assert.strictEqual(res.statusCode, 422)
      t.assert.deepStrictEqual(res.json().detail, [{ loc: ['body', 'file'], msg: 'Field required', type: 'missing' }])
      t.assert.deepStrictEqual(storedFiles(app), [])
    })

    it('answers 400 to a malformed multipart body', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const headers = { 'content-type': 'multipart/form-data; boundary=xyz' }
      const res = await injectAs(app, ann, { method: 'POST', url: '/api/v1/upload', headers, payload: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nunterminated' })
      t.assert.strictEqual(res.statusCode, 400, res.body)
      t.assert.strictEqual(typeof res.json().detail, 'string')
      const noBoundary = await injectAs(app, ann, { method: 'POST', url: '/api/v1/upload', headers: { 'content-type': 'multipart/form-data' }, payload: 'x' })
      t.assert.strictEqual(noBoundary.statusCode, 400, noBoundary.body)
      t.assert.deepStrictEqual(storedFiles(app), [])
      // Many at once, so that some break while their file is still being opened.
      const broken = await Promise.all(Array.from({ length: 50 }, async () =>
        await injectAs(app, ann, { method: 'POST', url: '/api/v1/upload', headers, payload: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nx' })))
      t.assert.deepStrictEqual(broken.map((answer) => answer.statusCode), broken.map(() => 400))
      t.assert.deepStrictEqual(storedFiles(app), [])
    })

    it('detects the type from the bytes, whatever the client declares', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const cases: Array<[FilePart, string]> = [
        [{ field: 'file', filename: 'photo.txt', content: PNG, contentType: 'text/plain' }, 'image/png'],
        [{ field: 'file', filename: 'doc', content: PDF }, 'application/pdf'],
        [{ field: 'file', filename: 'a.zip', content: ZIP, contentType: 'application/zip' }, 'application/zip'],
        [{ field: 'file', filename: 'rows.csv', content: 'a,b\n1,2\n', contentType: 'text/csv' }, 'text/csv'],
        [{ field: 'file', filename: 'data.json', content: '{"a": 1}', contentType: 'application/json' }, 'application/json'],
        [{ field: 'file', filename: 'notes', content: 'plain words, ünïcödé\n', contentType: 'application/octet-stream' }, 'text/plain']
      ]
      for (const [part, expected] of cases) {
        const res = await upload(app, ann, [part])
        t.assert.strictEqual(res.statusCode, 201, `${part.filename}: ${res.body}`)
        t.assert.strictEqual(res.json().content_type, expected, part.filename)
      }
    })

    it('answers 415 to a type outside the allow-list and keeps nothing', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const refused: FilePart[] = [
        { field: 'file', filename: 'page.txt', content: '<!DOCTYPE html><script>alert(1)</script>', contentType: 'text/plain' },
        { field: 'file', filename: 'logo.png', content: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', contentType: 'image/png' },
        { field: 'file', filename: 'feed.txt', content: '<?xml version="1.0"?><feed/>' },
        { field: 'file', filename: 'blob.bin', content: Buffer.from([0, 1, 2, 3, 255, 254, 0, 7]) }
      ]
      for (const part of refused) {
        const res = await upload(app, ann, [part])
        t.assert.strictEqual(res.statusCode, 415, part.filename)
        t.assert.match(res.json().detail, /not an allowed upload type/)
      }
      t.assert.deepStrictEqual(storedFiles(app), [])
      t.assert.strictEqual(await uploadRows(app), 0)
    })

    it('follows UPLOAD_ALLOWED_TYPES', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect, { UPLOAD_ALLOWED_TYPES: 'text/plain' })
      t.assert.strictEqual((await upload(app, ann, [{ field: 'file', filename: 'a.png', content: PNG }])).statusCode, 415)
      t.assert.strictEqual((await upload(app, ann, [{ field: 'file', filename: 'a.txt', content: 'hi' }])).statusCode, 201)
    })

    it('answers 413 to a file over UPLOAD_MAX_BYTES and keeps nothing', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect, { UPLOAD_MAX_BYTES: '1024' })
      const exact = await upload(app, ann, [{ field: 'file', filename: 'exact.txt', content: 'a'.repeat(1024) }])
      t.assert.strictEqual(exact.statusCode, 201, exact.body)
      const over = await upload(app, ann, [{ field: 'file', filename: 'big.txt', content: 'a'.repeat(1025) }])
      t.assert.strictEqual(over.statusCode, 413)
      t.assert.match(over.json().detail, /big\.txt is over the limit of 1024 bytes/)
      t.assert.deepStrictEqual(storedFiles(app), [exact.json().id])
      t.assert.strictEqual(await uploadRows(app), 1)
    })

    it('never uses the client\'s file name as a path', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const names: Array<[string, string]> = [
        ['../../etc/passwd', 'passwd'], ['..\\..\\boot.ini', 'boot.ini'], ['..', 'file'], ['', 'file'], ['résumé 2026.txt', 'résumé 2026.txt']
      ]
      for (const [sent, kept] of names) {
        const res = await upload(app, ann, [{ field: 'file', filename: sent, content: 'text' }])
        t.assert.strictEqual(res.statusCode, 201, `${sent}: ${res.body}`)
        t.assert.strictEqual(res.json().filename, kept, sent)
      }
      t.assert.ok(storedFiles(app).every((name) => /^[A-Za-z0-9_-]{24}$/.test(name)))
    })

    it('keeps the first `file` and ignores other parts', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const res = await upload(app, ann, [
        { field: 'note', value: 'hello' },
        { field: 'file', filename: 'one.txt', content: 'one' },
        { field: 'file', filename: 'two.txt', content: 'two' }
      ])
      t.assert.strictEqual(res.statusCode, 201)
      t.assert.strictEqual(res.json().filename, 'one.txt')
      t.assert.strictEqual(await uploadRows(app), 1)
    })
  })

  describe(`POST /upload-multiple (${dialect})`, () => {
    it('stores every file of `files` and answers an array', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const res = await upload(app, ann, [
        { field: 'files', filename: 'a.png', content: PNG },
        { field: 'files', filename: 'b.txt', content: 'bee' },
        { field: 'files', filename: 'c.pdf', content: PDF }
      ], '/api/v1/upload-multiple')
      t.assert.strictEqual(res.statusCode, 201, res.body)
      const types = res.json().map((u: { filename: string, content_type: string }) => [u.filename, u.content_type])
      t.assert.deepStrictEqual(types,
        [['a.png', 'image/png'], ['b.txt', 'text/plain'], ['c.pdf', 'application/pdf']])
      t.assert.strictEqual(storedFiles(app).length, 3)
    })

    it('answers 413 to more than 10 files and keeps none', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const eleven = Array.from({ length: 11 }, (_, i) => ({ field: 'files', filename: `${i}.txt`, content: `file ${i}` }))
      const res = await upload(app, ann, eleven, '/upload-multiple')
      t.assert.strictEqual(res.statusCode, 413)
      t.assert.match(res.json().detail, /at most 10 files/)
      const ten = await upload(app, ann, eleven.slice(0, 10), '/upload-multiple')
      t.assert.strictEqual(ten.statusCode, 201)
      t.assert.strictEqual(storedFiles(app).length, 10)
      t.assert.strictEqual(await uploadRows(app), 10)
    })

    it('keeps none when one file is refused', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect, { UPLOAD_MAX_BYTES: '100' })
      const badType = await upload(app, ann, [
        { field: 'files', filename: 'a.txt', content: 'fine' },
        { field: 'files', filename: 'b.html', content: '<html><body>hi</body></html>' },
        { field: 'files', filename: 'c.txt', content: 'fine too' }
      ], '/upload-multiple')
      t.assert.strictEqual(badType.statusCode, 415)
      const tooBig = await upload(app, ann, [
        { field: 'files', filename: 'a.txt', content: 'fine' },
        { field: 'files', filename: 'b.txt', content: 'x'.repeat(101) }
      ], '/upload-multiple')
      t.assert.strictEqual(tooBig.statusCode, 413)
      t.assert.deepStrictEqual(storedFiles(app), [])
      t.assert.strictEqual(await uploadRows(app), 0)
    })

    it('answers 422 when there is no file in `files`', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const res = await upload(app, ann, [{ field: 'file', filename: 'a.txt', content: 'wrong field' }], '/upload-multiple')
      t.assert.strictEqual(res.statusCode, 422)
      t.assert.deepStrictEqual(res.json().detail[0].loc, ['body', 'files'])
    })
  })

  describe(`GET and DELETE /uploads/{upload_id} (${dialect})`, () => {
    it('serves the bytes to anyone with the id, with safe headers', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const { id } = (await upload(app, ann, [{ field: 'file', filename: 'dot.png', content: PNG }])).json()
      const res = await app.inject({ method: 'GET', url: `/api/v1/uploads/${id}` })
      t.assert.strictEqual(res.statusCode, 200)
      t.assert.deepStrictEqual(res.rawPayload, PNG)
      t.assert.strictEqual(res.headers['content-type'], 'image/png')
      t.assert.strictEqual(res.headers['content-length'], String(PNG.length))
      t.assert.strictEqual(res.headers['content-disposition'], 'inline; filename="dot.png"')
      t.assert.strictEqual(res.headers['x-content-type-options'], 'nosniff')
      t.assert.match(String(res.headers['content-security-policy']), /sandbox/)
      t.assert.strictEqual((await app.inject({ method: 'GET', url: `/uploads/${id}` })).statusCode, 200)
    })

    it('serves downloads as attachments unless a browser only shows them, and encodes any file name', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const zip = (await upload(app, ann, [{ field: 'file', filename: 'a.zip', content: ZIP }])).json()
      const zipRes = await app.inject({ method: 'GET', url: `/uploads/${zip.id}` })
      t.assert.strictEqual(zipRes.headers['content-disposition'], 'attachment; filename="a.zip"')
      const named = (await upload(app, ann, [{ field: 'file', filename: 'plan – v2.txt', content: 'x' }])).json()
      const namedRes = await app.inject({ method: 'GET', url: `/uploads/${named.id}` })
      t.assert.strictEqual(namedRes.headers['content-disposition'], 'inline; filename="plan ? v2.txt"; filename*=UTF-8\'\'plan%20%E2%80%93%20v2.txt')
      const accented = (await upload(app, ann, [{ field: 'file', filename: 'naïve résumé.txt', content: 'x' }])).json()
      const accentedRes = await app.inject({ method: 'GET', url: `/uploads/${accented.id}` })
      t.assert.strictEqual(accentedRes.headers['content-disposition'], 'inline; filename="naive resume.txt"; filename*=UTF-8\'\'na%C3%AFve%20r%C3%A9sum%C3%A9.txt')
    })

    it('serves anything a browser could run as an attachment, when the allow-list lets it in', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect, { UPLOAD_ALLOWED_TYPES: 'text/html,image/svg+xml,application/xml' })
      const runnable: Array<[FilePart, string]> = [
        [{ field: 'file', filename: 'page.html', content: '<html><script>alert(1)</script></html>' }, 'text/html'],
        [{ field: 'file', filename: 'logo.svg', content: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' }, 'image/svg+xml'],
        [{ field: 'file', filename: 'feed.xml', content: '<?xml version="1.0"?><feed/>' }, 'application/xml']
      ]
      for (const [part, type] of runnable) {
        const { id } = (await upload(app, ann, [part])).json()
        const res = await app.inject({ method: 'GET', url: `/uploads/${id}` })
        t.assert.strictEqual(res.headers['content-type'], type)
        t.assert.strictEqual(res.headers['content-disposition'], `attachment; filename="${part.filename}"`)
        t.assert.strictEqual(res.headers['x-content-type-options'], 'nosniff')
      }
    })

    it('answers 404 for an unknown id', async (t: TestContext) => {
      const { app } = await setup(t, dialect)
      for (const id of ['nonexistent', 'A'.repeat(24), '..%2F..%2Fetc%2Fpasswd']) {
        const res = await app.inject({ method: 'GET', url: `/api/v1/uploads/${id}` })
        t.assert.strictEqual(res.statusCode, 404, id)
        t.assert.match(res.json().detail, /^Upload .* not found$/)
      }
    })

    it('lets the uploader or an admin delete, and no one else', async (t: TestContext) => {
      const { app, ann, bob } = await setup(t, dialect)
      const admin = await createUser(app, { role: 'admin' })
      const first = (await upload(app, ann, [{ field: 'file', filename: 'a.txt', content: 'a' }])).json()
      const second = (await upload(app, ann, [{ field: 'file', filename: 'b.txt', content: 'b' }])).json()
      t.assert.strictEqual((await app.inject({ method: 'DELETE', url: `/uploads/${first.id}` })).statusCode, 401)
      const byBob = await injectAs(app, bob, { method: 'DELETE', url: `/api/v1/uploads/${first.id}` })
      t.assert.strictEqual(byBob.statusCode, 403)
      t.assert.strictEqual((await injectAs(app, ann, { method: 'DELETE', url: `/api/v1/uploads/${first.id}` })).statusCode, 204)
      t.assert.strictEqual((await injectAs(app, admin, { method: 'DELETE', url: `/uploads/${second.id}` })).statusCode, 204)
      t.assert.strictEqual((await app.inject({ method: 'GET', url: `/uploads/${first.id}` })).statusCode, 404)
      t.assert.strictEqual((await injectAs(app, ann, { method: 'DELETE', url: `/uploads/${first.id}` })).statusCode, 404)
      t.assert.deepStrictEqual(storedFiles(app), [])
    })

    it('removes a user\'s uploads with the account', async (t: TestContext) => {
      const { app, ann, bob } = await setup(t, dialect)
      const admin = await createUser(app, { role: 'admin' })
      const annFile = (await upload(app, ann, [{ field: 'file', filename: 'a.txt', content: 'a' }])).json()
      const bobFile = (await upload(app, bob, [{ field: 'file', filename: 'b.txt', content: 'b' }])).json()
      const kept = (await upload(app, admin, [{ field: 'file', filename: 'c.txt', content: 'c' }])).json()
      t.assert.strictEqual((await injectAs(app, ann, { method: 'DELETE', url: '/users/me' })).statusCode, 204)
      t.assert.strictEqual((await injectAs(app, admin, { method: 'DELETE', url: `/users/${bob.user.id}` })).statusCode, 204)
      for (const id of [annFile.id, bobFile.id]) t.assert.strictEqual((await app.inject({ method: 'GET', url: `/uploads/${id}` })).statusCode, 404)
      t.assert.deepStrictEqual(storedFiles(app), [kept.id])
    })
  })

  describe(`Idempotency-Key on POST /upload (${dialect})`, () => {
    it('answers a retry of the same form with the stored response, whatever its boundary', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const form: FilePart[] = [{ field: 'file', filename: 'dot.png', content: PNG }]
      const first = await upload(app, ann, form, '/api/v1/upload', { 'idempotency-key': 'up-1' })
      t.assert.strictEqual(first.statusCode, 201)
      const retry = await upload(app, ann, form, '/upload', { 'idempotency-key': 'up-1' })
      t.assert.strictEqual(retry.statusCode, 201)
      t.assert.strictEqual(retry.headers['idempotent-replayed'], 'true')
      t.assert.deepStrictEqual(retry.json(), first.json())
      t.assert.strictEqual(await uploadRows(app), 1)
      t.assert.deepStrictEqual(storedFiles(app), [first.json().id])
    })

    it('answers 422 to the same key with another file, and 400 to a key over 255 characters', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      await upload(app, ann, [{ field: 'file', filename: 'a.txt', content: 'one' }], '/upload', { 'idempotency-key': 'up-2' })
      const other = await upload(app, ann, [{ field: 'file', filename: 'a.txt', content: 'two' }], '/upload', { 'idempotency-key': 'up-2' })
      t.assert.strictEqual(other.statusCode, 422)
      t.assert.deepStrictEqual(other.json().detail[0].loc, ['header', 'idempotency-key'])
      const long = await upload(app, ann, [{ field: 'file', filename: 'a.txt', content: 'one' }], '/upload', { 'idempotency-key': 'k'.repeat(256) })
      t.assert.strictEqual(long.statusCode, 400)
      t.assert.strictEqual(await uploadRows(app), 1)
      t.assert.strictEqual(storedFiles(app).length, 1)
    })

    it('keeps nothing for a refused upload, so a corrected retry with the key succeeds', async (t: TestContext) => {
      const { app, ann } = await setup(t, dialect)
      const refused = await upload(app, ann, [{ field: 'file', filename: 'a.html', content: '<html></html>' }], '/upload', { 'idempotency-key': 'up-3' })
      t.assert.strictEqual(refused.statusCode, 415)
      const fixed = await upload(app, ann, [{ field: 'file', filename: 'a.txt', content: 'plain' }], '/upload', { 'idempotency-key': 'up-3' })
      t.assert.strictEqual(fixed.statusCode, 201)
    })
  })
}
