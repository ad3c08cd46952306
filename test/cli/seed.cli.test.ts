import { describe, it, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { verifyPassword } from '../../src/lib/passwords.js'
import { testDialects } from '../helpers/build-app.js'
import { runCli } from '../helpers/cli.js'
import { configEnv, testDb } from '../jobs/helpers.js'

for (const dialect of testDialects()) {
  describe(`agora seed (${dialect})`, () => {
    it('adds users, products with tags and posts, with progress and a summary', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const run = await runCli(['seed', '--users', '30', '--products', '2500', '--posts', '40'], configEnv(config))
      t.assert.strictEqual(run.code, 0, run.output)
      t.assert.match(run.output, /products \[#{30}\] 100% 2500\/2500/)
      t.assert.match(run.output, /Seeded 30 users, 2500 products and 40 posts in [\d.]+ s \(\d+ rows\/s\)/)
      const count = async (table: 'users' | 'products' | 'posts' | 'product_tags') =>
        Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
      t.assert.deepStrictEqual([await count('users'), await count('products'), await count('posts')], [30, 2500, 40])
      t.assert.ok(await count('product_tags') >= 2500)
      const user = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow()
      t.assert.ok(await verifyPassword(user.hashed_password, 'seed-password'))
      if (dialect === 'sqlite') {
        // Batches leave a search index in many segments; the load ends with each merged into one.
        t.assert.match(run.output, /Merging the search index of products…/)
        t.assert.match(run.output, /Gathering the planner's statistics…/)
        for (const table of ['products', 'posts', 'users']) {
          const { rows } = await sql<{ segments: number }>`select count(distinct segid) as segments from ${sql.table(`${table}_fts_idx`)}`.execute(db)
          t.assert.strictEqual(rows[0]?.segments, 1, table)
        }
      }

      // A second run adds to the first: e-mails stay unique.
      const again = await runCli(['seed', '--users', '5', '--products', '10'], configEnv(config))
      t.assert.strictEqual(again.code, 0, again.output)
      t.assert.deepStrictEqual([await count('users'), await count('products')], [35, 2510])
    })

    it('refuses products without users, and counts that are not whole numbers', async (t: TestContext) => {
      const { config } = await testDb(t, dialect)
      const [noUsers, bad] = await Promise.all([
        runCli(['seed', '--products', '10'], configEnv(config)),
        runCli(['seed', '--users', '1.5'], configEnv(config))
      ])
      t.assert.strictEqual(noUsers.code, 1)
      t.assert.match(noUsers.output, /need users/)
      t.assert.notStrictEqual(bad.code, 0)
      t.assert.match(bad.output, /Not a whole number/)
    })
  })
}
