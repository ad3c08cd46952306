import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser, injectAs, seedUsers, type TestUser } from '../../helpers/users.js'

interface Found {
  id: number
  name: string
  email?: string
  age?: number | null
}

async function search (app: FastifyInstance, who: TestUser, query: Record<string, string>) {
  return await injectAs(app, who, { url: '/api/v1/search', query })
}

/** The names a search finds, in the order it finds them; the search must succeed. */
async function names (
  t: TestContext, app: FastifyInstance, who: TestUser, query: Record<string, string>
): Promise<string[]> {
  const res = await search(app, who, query)
  t.assert.strictEqual(res.statusCode, 200, `${JSON.stringify(query)}: ${res.body}`)
  return (res.json() as Found[]).map((u) => u.name)
}

function locs (body: { detail: Array<{ loc: unknown[] }> }): unknown[][] {
  return body.detail.map((issue) => issue.loc)
}

for (const dialect of testDialects()) {
  describe(`GET /api/v1/search (${dialect})`, () => {
    it('returns 401 without a token', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const url of ['/api/v1/search?q=abc', '/search?q=abc']) {
        const res = await app.inject({ url })
        t.assert.strictEqual(res.statusCode, 401)
        t.assert.strictEqual(res.headers['www-authenticate'], 'Bearer')
      }
    })

    it('takes q of 3 to 50 characters', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const me = await createUser(app)
      const cases: Array<[string, number]> = [['ab', 422], ['abc', 200], ['a'.repeat(50), 200], ['a'.repeat(51), 422]]
      for (const [q, status] of cases) {
        const res = await search(app, me, { q })
        t.assert.strictEqual(res.statusCode, status, `q of ${q.length}`)
        if (status === 422) t.assert.deepStrictEqual(locs(res.json()), [['query', 'q']])
      }
      const missing = await injectAs(app, me, { url: '/search' })
      t.assert.strictEqual(missing.statusCode, 422)
      t.assert.deepStrictEqual(missing.json().detail.map((i: { loc: unknown[], type: string }) => [i.loc, i.type]), [[['query', 'q'], 'missing']])
    })

    it('matches names case-insensitively, anywhere in the name, and returns a JSON array', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const me = await createUser(app)
      await seedUsers(app, [{ name: 'Marigold Baker' }, { name: 'Tom Gold' }, { name: 'Silver Smith' }])
      const res = await search(app, me, { q: 'gold' })
      t.assert.strictEqual(res.statusCode, 200)
      t.assert.match(String(res.headers['content-type']), /^application\/json/)
      t.assert.ok(Array.isArray(res.json()))
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'gold' }), ['Marigold Baker', 'Tom Gold'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'MARIGOLD' }), ['Marigold Baker'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'rIgOlD bAk' }), ['Marigold Baker'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'nobody here' }), [])
    })

    // On SQLite through the FTS5 trigram index, which folds Unicode case (LIKE folds ASCII only).
    it('matches non-ASCII letters case-insensitively', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const me = await createUser(app)
      await seedUsers(app, [{ name: 'Émile Zola' }, { name: 'Jürgen Öztürk' }])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'émile' }), ['Émile Zola'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'ÖZTÜRK' }), ['Jürgen Öztürk'])
    })

    it('takes %, _ and \\ in q literally', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const me = await createUser(app)
      // Each decoy matches one of the queries below if its characters were wildcards or escapes.
      await seedUsers(app, [
        { name: 'Sale 50%_off\\x' }, { name: 'Bob Stone' }, { name: 'Proof Reader' }, { name: 'Alfxy' },
        { name: 'Under_score' }, { name: 'Back\\slash' }, { name: 'Backslash' }
      ])
      t.assert.deepStrictEqual(await names(t, app, me, { q: '%_o' }), ['Sale 50%_off\\x'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: '_of' }), ['Sale 50%_off\\x'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'f\\x' }), ['Sale 50%_off\\x'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: '%%%' }), [])
      t.assert.deepStrictEqual(await names(t, app, me, { q: '___' }), [])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'r_s' }), ['Under_score'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'k\\s' }), ['Back\\slash'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: '\\\\\\' }), [])
    })

    // A search of names alone goes through the index with a column filter: the text stays one phrase.
    it('takes double quotes and FTS5 syntax in q literally', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const me = await createUser(app)
      await seedUsers(app, [{ name: 'Say "hi" Al' }, { name: 'Say hi Al' }, { name: 'Near OR Far' }])
      t.assert.deepStrictEqual(await names(t, app, me, { q: '"hi"' }), ['Say "hi" Al'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'y "h' }), ['Say "hi" Al'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'r OR f' }), ['Near OR Far'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: '} : "' }), [])
    })

    it('matches e-mails only when an admin searches', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const me = await createUser(app)
      const admin = await createUser(app, { role: 'admin' })
      const [hidden] = await seedUsers(app, [{ name: 'Plain Name', email: 'zebra.hidden@example.com' }])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'zebra' }), [])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'example.com' }), [])
      const res = await search(app, admin, { q: 'ZEBRA' })
      t.assert.deepStrictEqual(res.json().map((u: Found) => [u.id, u.email]), [[hidden!.id, 'zebra.hidden@example.com']])
      t.assert.strictEqual((await search(app, admin, { q: 'example.com' })).json().length, 3)
    })

    it('shows email and age to the user themself and admins only', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const ann = await createUser(app, { name: 'Findable Ann', age: 33 })
      const bob = await createUser(app, { name: 'Findable Bob' })
      const admin = await createUser(app, { name: 'Findable Admin', role: 'admin', age: 60 })
      const keys = (u: Found) => [u.id, ['email', 'age'].filter((key) => Object.hasOwn(u, key))]
      const byAnn = (await search(app, ann, { q: 'findable' })).json() as Found[]
      t.assert.deepStrictEqual(byAnn.map(keys), [[ann.user.id, ['email', 'age']], [bob.user.id, []], [admin.user.id, []]])
      t.assert.deepStrictEqual([byAnn[0]!.email, byAnn[0]!.age], [ann.user.email, 33])
      const byAdmin = (await search(app, admin, { q: 'findable' })).json() as Found[]
      t.assert.deepStrictEqual(
        byAdmin.map((u) => [u.email, u.age]), [[ann.user.email, 33], [bob.user.email, null], [admin.user.email, 60]]
      )
    })

    it('orders by id by default and pages with skip and limit', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const me = await createUser(app)
      // Names in reverse order, so that any order but id shows.
      const seeded = await seedUsers(app, Array.from({ length: 15 }, (_, i) => ({ name: `Match ${String(15 - i).padStart(2, '0')}` })))
      const all = seeded.map((u) => u.name)
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'match' }), all.slice(0, 10))
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'match', skip: '10' }), all.slice(10))
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'match', skip: '2', limit: '3' }), all.slice(2, 5))
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'match', limit: '100' }), all)
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'match', limit: '1' }), all.slice(0, 1))
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'match', skip: '15' }), [])
      for (const skip of ['9007199254740993', '99999999999999999999']) {
        t.assert.deepStrictEqual(await names(t, app, me, { q: 'match', skip }), [])
      }
      const cases: Array<[Record<string, string>, string]> = [
        [{ limit: '0' }, 'limit'], [{ limit: '101' }, 'limit'], [{ skip: '-1' }, 'skip'], [{ skip: 'x' }, 'skip'], [{ limit: '2.5' }, 'limit']
      ]
      for (const [query, field] of cases) {
        const res = await search(app, me, { q: 'match', ...query })
        t.assert.strictEqual(res.statusCode, 422, JSON.stringify(query))
        t.assert.deepStrictEqual(locs(res.json()), [['query', field]])
      }
    })

    it('sorts by name or created_at ascending, ties by id', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const me = await createUser(app)
      await seedUsers(app, [
        { name: 'Sort Carol', created_at: '2026-01-02T00:00:00.000Z' },
        { name: 'Sort Alice', created_at: '2026-01-03T00:00:00.000Z' },
        { name: 'Sort Bob', created_at: '2026-01-01T00:00:00.000Z' },
        { name: 'Sort Alice', created_at: '2025-12-31T00:00:00.000Z' }
      ])
      const byName = (await search(app, me, { q: 'sort', sort: 'name' })).json() as Found[]
      t.assert.deepStrictEqual(byName.map((u) => u.name), ['Sort Alice', 'Sort Alice', 'Sort Bob', 'Sort Carol'])
      t.assert.ok(byName[0]!.id < byName[1]!.id)
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'sort', sort: 'created_at' }), ['Sort Alice', 'Sort Bob', 'Sort Carol', 'Sort Alice'])
      t.assert.deepStrictEqual(await names(t, app, me, { q: 'sort' }), ['Sort Carol', 'Sort Alice', 'Sort Bob', 'Sort Alice'])
      const bad = await search(app, me, { q: 'sort', sort: 'age' })
      t.assert.strictEqual(bad.statusCode, 422)
      t.assert.deepStrictEqual(locs(bad.json()), [['query', 'sort']])
      t.assert.deepStrictEqual(bad.json().detail[0], {
        loc: ['query', 'sort'], msg: "Input should be 'name', 'email' or 'created_at'", type: 'literal_error'
      })
    })

    it('sorts by email for admins only; others get 403', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const me = await createUser(app)
      const admin = await createUser(app, { role: 'admin' })
      await seedUsers(app, [
        { name: 'Mail C', email: 'charlie@example.com' },
        { name: 'Mail A', email: 'alpha@example.com' },
        { name: 'Mail B', email: 'bravo@example.com' }
      ])
      const denied = await search(app, me, { q: 'mail', sort: 'email' })
      t.assert.strictEqual(denied.statusCode, 403)
      t.assert.strictEqual(typeof denied.json().detail, 'string')
      const res = await search(app, admin, { q: 'mail', sort: 'email' })
      t.assert.strictEqual(res.statusCode, 200)
      t.assert.deepStrictEqual(res.json().map((u: Found) => u.email), ['alpha@example.com', 'bravo@example.com', 'charlie@example.com'])
    })
  })
}
