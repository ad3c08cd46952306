import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser, formerlySignedIn, injectAs, type TestUser } from '../../helpers/users.js'

async function write (app: FastifyInstance, who: TestUser, payload: object = {}) {
  const res = await injectAs(app, who, { method: 'POST', url: '/api/v1/posts', payload: { title: 'Hello', content: 'World', ...payload } })
  if (res.statusCode !== 201) throw new Error(`post failed: ${res.statusCode} ${res.body}`)
  return res.json() as { id: number, title: string, published: boolean, user_id: number }
}

for (const dialect of testDialects()) {
  describe(`POST /api/v1/posts (${dialect})`, () => {
    it('creates a post as the caller, whatever user_id the body says: 201, Location, ETag', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const [ann, bob] = [await createUser(app), await createUser(app)]
      const res = await injectAs(app, ann, { method: 'POST', url: '/posts', payload: { title: '  Hi  ', content: ' body ', user_id: bob.user.id, id: 77 } })
      t.assert.strictEqual(res.statusCode, 201)
      const body = res.json()
      t.assert.strictEqual(res.headers.location, `/api/v1/posts/${body.id}`)
      t.assert.match(String(res.headers.etag), /^"[^"]+"$/)
      t.assert.deepStrictEqual(Object.keys(body).sort(), ['content', 'created_at', 'id', 'published', 'title', 'updated_at', 'user_id'])
      t.assert.deepStrictEqual([body.title, body.content, body.published, body.user_id], ['Hi', ' body ', true, ann.user.id])
      const anonymous = await app.inject({ method: 'POST', url: '/api/v1/posts', payload: { title: 'a', content: 'b' } })
      t.assert.strictEqual(anonymous.statusCode, 401)
    })

    it('returns 401 to a token of a user deleted, deactivated or whose password changed since, before judging the body', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const who of await formerlySignedIn(app)) {
        for (const payload of [{ title: 'Hello', content: 'World' }, { title: '   ' }]) {
          const res = await injectAs(app, who, { method: 'POST', url: '/api/v1/posts', payload })
          t.assert.deepStrictEqual([res.statusCode, res.headers['www-authenticate']], [401, 'Bearer'])
        }
      }
      const { count } = await app.db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()
      t.assert.strictEqual(Number(count), 0)
    })

    it('checks the title (trimmed, 1–200), the content (1–50 000) and published', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const cases: Array<[object, number, string?]> = [
        [{ title: 't'.repeat(200) }, 201], [{ content: 'c'.repeat(50_000) }, 201], [{ published: false }, 201],
        [{ title: '   ' }, 422, 'title'], [{ title: 't'.repeat(201) }, 422, 'title'], [{ content: '' }, 422, 'content'],
        [{ content: 'c'.repeat(50_001) }, 422, 'content'], [{ published: 'yes' }, 422, 'published'], [{ title: 5 }, 422, 'title']
      ]
      for (const [fields, status, field] of cases) {
        const res = await injectAs(app, ann, { method: 'POST', url: '/api/v1/posts', payload: { title: 'T', content: 'C', ...fields } })
        t.assert.strictEqual(res.statusCode, status, JSON.stringify(fields).slice(0, 60))
        if (field !== undefined) t.assert.deepStrictEqual(res.json().detail.map((i: { loc: unknown[] }) => i.loc), [['body', field]])
      }
      const missing = await injectAs(app, ann, { method: 'POST', url: '/api/v1/posts', payload: {} })
      t.assert.deepStrictEqual(missing.json().detail.map((i: { loc: unknown[] }) => i.loc).sort(), [['body', 'content'], ['body', 'title']])
    })
  })

  describe(`GET /api/v1/posts (${dialect})`, () => {
    it('shows published posts to anyone, own drafts to their author and every draft to admins', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const [ann, bob, admin] = [await createUser(app), await createUser(app), await createUser(app, { role: 'admin' })]
      const annPublic = await write(app, ann, { title: 'ann public' })
      const annDraft = await write(app, ann, { title: 'ann draft', published: false })
      const bobPublic = await write(app, bob, { title: 'bob public' })
      const bobDraft = await write(app, bob, { title: 'bob draft', published: false })
      const ids = async (res: { json: () => { items: Array<{ id: number }>, total: number } }) => {
        const body = res.json()
        return [body.items.map((p) => p.id), body.total]
      }
      t.assert.deepStrictEqual(await ids(await app.inject({ url: '/posts' })), [[annPublic.id, bobPublic.id], 2])
      t.assert.deepStrictEqual(await ids(await injectAs(app, ann, { url: '/api/v1/posts' })), [[annPublic.id, annDraft.id, bobPublic.id], 3])
      t.assert.deepStrictEqual(await ids(await injectAs(app, admin, { url: '/api/v1/posts' })), [[annPublic.id, annDraft.id, bobPublic.id, bobDraft.id], 4])
      t.assert.deepStrictEqual(await ids(await injectAs(app, ann, { url: `/api/v1/posts?author_id=${bob.user.id}` })), [[bobPublic.id], 1])
      t.assert.deepStrictEqual(await ids(await injectAs(app, bob, { url: `/api/v1/posts?author_id=${bob.user.id}` })), [[bobPublic.id, bobDraft.id], 2])
      const badToken = await app.inject({ url: '/api/v1/posts', headers: { authorization: 'Bearer nope' } })
      t.assert.strictEqual(badToken.statusCode, 401)
    })

    it('searches title and content case-insensitively and literally, and pages', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const a = await write(app, ann, { title: 'Fastify tips', content: 'plugins' })
      const b = await write(app, ann, { title: 'Other', content: 'All about FASTIFY' })
      await write(app, ann, { title: 'Nothing', content: 'here' })
      const c = await write(app, ann, { title: '50% off', content: 'sale' })
      await write(app, ann, { title: '500 off', content: 'sale' })
      const search = async (query: string) => (await app.inject({ url: `/api/v1/posts?${query}` })).json().items.map((p: { id: number }) => p.id)
      t.assert.deepStrictEqual(await search('q=fastify'), [a.id, b.id])
      t.assert.deepStrictEqual(await search('q=0%25'), [c.id])
      // A search's total counts what the page's viewer may see: another's draft is not in it.
      const draft = await write(app, ann, { title: 'Fastify draft', content: 'soon', published: false })
      const total = async (who?: TestUser) => {
        const url = '/api/v1/posts?q=FASTIFY&page_size=1'
        return (who === undefined ? await app.inject({ url }) : await injectAs(app, who, { url })).json().total
      }
      t.assert.deepStrictEqual([await total(), await total(ann), await total(await createUser(app))], [2, 3, 2])
      t.assert.strictEqual(draft.published, false)
      const page = (await app.inject({ url: '/api/v1/posts?page=2&page_size=2' })).json()
      t.assert.deepStrictEqual([page.total, page.pages, page.items.length, page.page], [5, 3, 2, 2])
      const huge = await app.inject({ url: '/api/v1/posts?author_id=9223372036854775807' })
      t.assert.deepStrictEqual([huge.statusCode, huge.json().total], [200, 0])
      for (const query of ['author_id=0', 'author_id=x', 'author_id=1.5', 'author_id=99999999999999999999', 'page=0', 'page_size=101']) {
        t.assert.strictEqual((await app.inject({ url: `/api/v1/posts?${query}` })).statusCode, 422, query)
      }
    })
  })

  describe(`GET /api/v1/posts/{post_id} (${dialect})`, () => {
    it('hides another user\'s draft behind a 404, shows it to its author and admins', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const [ann, bob, admin] = [await createUser(app), await createUser(app), await createUser(app, { role: 'admin' })]
      const draft = await write(app, ann, { published: false })
      const url = `/api/v1/posts/${draft.id}`
      const anonymous = await app.inject({ url })
      t.assert.deepStrictEqual([anonymous.statusCode, anonymous.json()], [404, { detail: `Post ${draft.id} not found` }])
      t.assert.strictEqual((await injectAs(app, bob, { url })).statusCode, 404)
      t.assert.strictEqual((await injectAs(app, ann, { url })).statusCode, 200)
      t.assert.strictEqual((await injectAs(app, admin, { url })).json().published, false)
      t.assert.strictEqual((await app.inject({ url: '/api/v1/posts/999' })).statusCode, 404)
      t.assert.strictEqual((await app.inject({ url: '/api/v1/posts/abc' })).json().detail[0].loc.join('.'), 'path.post_id')
    })

    it('sends an ETag and answers 304 to a current If-None-Match', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const post = await write(app, ann)
      const res = await app.inject({ url: `/posts/${post.id}` })
      const etag = String(res.headers.etag)
      const cached = await app.inject({ url: `/posts/${post.id}`, headers: { 'if-none-match': etag } })
      t.assert.deepStrictEqual([cached.statusCode, cached.body], [304, ''])
      await injectAs(app, ann, { method: 'PATCH', url: `/api/v1/posts/${post.id}`, payload: { title: 'Changed' } })
      const changed = await app.inject({ url: `/posts/${post.id}`, headers: { 'if-none-match': etag } })
      t.assert.deepStrictEqual([changed.statusCode, changed.json().title], [200, 'Changed'])
      t.assert.notStrictEqual(changed.headers.etag, etag)
    })
  })

  describe(`PATCH and DELETE /api/v1/posts/{post_id} (${dialect})`, () => {
    it('lets the author and admins change and delete; others get 403, or 404 for a draft', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const [ann, bob, admin] = [await createUser(app), await createUser(app), await createUser(app, { role: 'admin' })]
      const post = await write(app, ann)
      const draft = await write(app, ann, { published: false })
      const patch = async (who: TestUser, id: number, payload: object) => await injectAs(app, who, { method: 'PATCH', url: `/api/v1/posts/${id}`, payload })
      t.assert.strictEqual((await patch(bob, post.id, { title: 'x' })).statusCode, 403)
      t.assert.strictEqual((await patch(bob, draft.id, { title: 'x' })).statusCode, 404)
      t.assert.strictEqual((await injectAs(app, bob, { method: 'DELETE', url: `/api/v1/posts/${post.id}` })).statusCode, 403)
      t.assert.strictEqual((await injectAs(app, bob, { method: 'DELETE', url: `/api/v1/posts/${draft.id}` })).statusCode, 404)
      t.assert.strictEqual((await app.inject({ method: 'DELETE', url: `/api/v1/posts/${post.id}` })).statusCode, 401)

      const own = await patch(ann, draft.id, { published: true, content: 'Now public', user_id: bob.user.id })
      t.assert.deepStrictEqual([own.statusCode, own.json().published, own.json().content, own.json().user_id], [200, true, 'Now public', ann.user.id])
      t.assert.strictEqual((await patch(ann, post.id, { title: '' })).statusCode, 422)
      const byAdmin = await patch(admin, post.id, { published: false })
      t.assert.deepStrictEqual([byAdmin.statusCode, byAdmin.json().published, byAdmin.json().title], [200, false, 'Hello'])
      t.assert.strictEqual((await injectAs(app, admin, { method: 'DELETE', url: `/api/v1/posts/${post.id}` })).statusCode, 204)
      t.assert.strictEqual((await injectAs(app, ann, { method: 'DELETE', url: `/posts/${draft.id}` })).statusCode, 204)
      t.assert.strictEqual((await injectAs(app, ann, { url: '/api/v1/posts' })).json().total, 0)
    })

    it('answers 412 to a stale If-Match and lets one of two racing edits win', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app)
      const post = await write(app, ann)
      const etag = String((await app.inject({ url: `/api/v1/posts/${post.id}` })).headers.etag)
      const edit = async (title: string) => await injectAs(app, ann, { method: 'PATCH', url: `/api/v1/posts/${post.id}`, headers: { 'if-match': etag }, payload: { title } })
      const results = await Promise.all([edit('one'), edit('two')])
      t.assert.deepStrictEqual(results.map((r) => r.statusCode).sort(), [200, 412])
      const stale = await injectAs(app, ann, { method: 'DELETE', url: `/api/v1/posts/${post.id}`, headers: { 'if-match': etag } })
      t.assert.strictEqual(stale.statusCode, 412)
      const current = String(results.find((r) => r.statusCode === 200)!.headers.etag)
      const del = await injectAs(app, ann, { method: 'DELETE', url: `/api/v1/posts/${post.id}`, headers: { 'if-match': current } })
      t.assert.strictEqual(del.statusCode, 204)
    })

    it('removes the posts of a deleted user', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const [ann, bob] = [await createUser(app), await createUser(app)]
      await write(app, ann)
      const kept = await write(app, bob)
      t.assert.strictEqual((await injectAs(app, ann, { method: 'DELETE', url: '/api/v1/users/me' })).statusCode, 204)
      const list = (await app.inject({ url: '/api/v1/posts' })).json()
      t.assert.deepStrictEqual(list.items.map((p: { id: number }) => p.id), [kept.id])
    })
  })
}
