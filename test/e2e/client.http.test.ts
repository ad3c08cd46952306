import { describe, it, type TestContext } from 'node:test'
import { client } from '../../clients/typescript/src/client.gen.js'
import { urlSearchParamsBodySerializer } from '../../clients/typescript/src/client/index.js'
import {
  createProduct, createUser, deleteProduct, downloadFile, getMe, getProduct, listProducts, listProductsByCursor, login,
  logout, refreshToken, updateProduct, uploadFile
} from '../../clients/typescript/src/index.js'
import { buildTestApp, testDialects } from '../helpers/build-app.js'

// Everything below goes through the generated client (clients/typescript), as a client
// developer would use it: ids are numbers, defaults are left out, bodies are the
// client's to serialise.
for (const dialect of testDialects()) {
  describe(`the generated TypeScript client (${dialect})`, () => {
    it('signs up, logs in both ways, and manages products, pages and files', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 })
      client.setConfig({ baseUrl, auth: undefined })

      const credentials = { email: 'hedy@example.com', password: 'frequency-hopping' }
      const signUp = await createUser({ body: { name: 'Hedy', age: 42, ...credentials } })
      t.assert.strictEqual(signUp.response.status, 201)
      t.assert.strictEqual(signUp.data?.email, credentials.email)

      const jsonLogin = await login({ body: credentials })
      t.assert.strictEqual(jsonLogin.data?.token_type, 'bearer')
      // The OAuth2 password form, as Swagger UI and the guide's clients send it.
      const formLogin = await login({
        body: { username: credentials.email, password: credentials.password },
        ...urlSearchParamsBodySerializer,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
      })
      t.assert.strictEqual(formLogin.response.status, 200)
      // Sent as a bearer token to every operation that takes one.
      client.setConfig({ auth: formLogin.data?.access_token })

      const me = await getMe()
      t.assert.deepStrictEqual([me.data?.id, me.data?.email, me.data?.role], [signUp.data?.id, credentials.email, 'user'])

      const created = []
      for (const [name, price, tags] of [['Lamp', 19.99, ['Kitchen', 'light']], ['Kettle', 35, ['kitchen']], ['Desk', 120.5, ['office']]] as const) {
        const product = await createProduct({ body: { name, price, quantity: 3, tags: [...tags] } })
        t.assert.strictEqual(product.response.status, 201)
        created.push(product.data!)
      }
      t.assert.deepStrictEqual(created[0]?.tags, ['kitchen', 'light'])

      const firstPage = await listProducts()
      t.assert.deepStrictEqual([firstPage.data?.page, firstPage.data?.page_size, firstPage.data?.total], [1, 10, 3])
      const kitchen = await listProducts({ query: { tag: 'kitchen', sort: '-price', min_price: 5 } })
      t.assert.deepStrictEqual(kitchen.data?.items.map((product) => product.name), ['Kettle', 'Lamp'])

      const lamp = created[0]!
      const read = await getProduct({ path: { product_id: lamp.id } })
      const etag = read.response.headers.get('etag')!
      t.assert.strictEqual(read.data?.price, 19.99)
      const unchanged = await getProduct({ path: { product_id: lamp.id }, headers: { 'if-none-match': etag } })
      t.assert.strictEqual(unchanged.response.status, 304)
      const patched = await updateProduct({ path: { product_id: lamp.id }, headers: { 'if-match': etag }, body: { quantity: 0 } })
      t.assert.deepStrictEqual([patched.response.status, patched.data?.quantity], [200, 0])
      const stale = await updateProduct({ path: { product_id: lamp.id }, headers: { 'if-match': etag }, body: { quantity: 9 } })
      t.assert.strictEqual(stale.response.status, 412)
      t.assert.deepStrictEqual(stale.error, { detail: 'Precondition Failed: the resource has changed since it was read' })
      const current = patched.response.headers.get('etag')!
      t.assert.strictEqual((await deleteProduct({ path: { product_id: lamp.id }, headers: { 'if-match': current } })).response.status, 204)
      const gone = await getProduct({ path: { product_id: lamp.id } })
      t.assert.deepStrictEqual([gone.response.status, gone.error?.detail], [404, `Product ${lamp.id} not found`])

      // A cursor walk, one item a page, to the end.
      const walked: number[] = []
      let cursor: string | undefined
      do {
        const page = await listProductsByCursor({ query: { limit: 1, cursor } })
        walked.push(...(page.data?.items ?? []).map((product) => product.id))
        cursor = page.data?.next_cursor ?? undefined
      } while (cursor !== undefined)
      t.assert.deepStrictEqual(walked, created.slice(1).map((product) => product.id))

      const text = 'Agora, for the generated client\n'
      const upload = await uploadFile({ body: { file: new File([text], 'notes.txt', { type: 'text/plain' }) } })
      t.assert.deepStrictEqual([upload.response.status, upload.data?.filename, upload.data?.content_type], [201, 'notes.txt', 'text/plain'])
      const download = await downloadFile({ path: { upload_id: upload.data!.id }, parseAs: 'blob' })
      t.assert.strictEqual(await (download.data as Blob).text(), text)

      const pair = jsonLogin.data!
      const refreshed = await refreshToken({ body: { refresh_token: pair.refresh_token } })
      t.assert.strictEqual(refreshed.response.status, 200)
      t.assert.strictEqual((await refreshToken({ body: { refresh_token: pair.refresh_token } })).response.status, 401, 'a spent refresh token')
      const other = await refreshToken({ body: { refresh_token: formLogin.data!.refresh_token } })
      t.assert.strictEqual((await logout({ body: { refresh_token: other.data!.refresh_token } })).response.status, 204)
      t.assert.strictEqual((await refreshToken({ body: { refresh_token: other.data!.refresh_token } })).response.status, 401, 'after logout')
    })
  })
}
