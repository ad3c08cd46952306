import { describe, it, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { createDb } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { preparedQuery } from '../../src/db/prepared-query.js'
import { testConfig, testDialects } from '../helpers/build-app.js'

for (const dialect of testDialects()) {
  describe(`preparedQuery (${dialect})`, () => {
    it('builds its query once and runs it with each call\'s arguments', async (t: TestContext) => {
      // One connection, so that PostgreSQL's list of prepared statements is the one we ran on.
      const config = testConfig(t, dialect, { DATABASE_POOL_MAX: '1' })
      const db = createDb(config)
      t.after(async () => await db.destroy())
      await migrateToLatest(db, config)
      for (const name of ['Ann', 'Bob', 'Cyd']) {
        await db.insertInto('users').values({ name, email: `${name.toLowerCase()}@example.com`, hashed_password: 'x', role: 'user' }).execute()
      }
      let builds = 0
      const namesAfter = preparedQuery((kysely, afterId: number, limit: number) => {
        builds++
        return kysely.selectFrom('users').select('name').where('id', '>', afterId).where('role', '=', 'user').orderBy('id').limit(limit)
      })
      t.assert.deepStrictEqual(await namesAfter.execute(db, 0, 2), [{ name: 'Ann' }, { name: 'Bob' }])
      t.assert.deepStrictEqual(await namesAfter.execute(db, 1, 5), [{ name: 'Bob' }, { name: 'Cyd' }])
      t.assert.deepStrictEqual(await namesAfter.executeTakeFirst(db, 2, 1), { name: 'Cyd' })
      t.assert.strictEqual(await namesAfter.executeTakeFirst(db, 3, 1), undefined)
      t.assert.strictEqual(builds, 1)
      if (dialect === 'postgres') {
        const { rows } = await sql<{ count: number }>`select count(*)::int as count from pg_prepared_statements where statement like '%"id" > $1%'`.execute(db)
        t.assert.strictEqual(rows[0]?.count, 1)
      }
    })

    it('reads inside a transaction on the transaction\'s connection, and outside it only what is committed', async (t: TestContext) => {
      const config = testConfig(t, dialect)
      const db = createDb(config)
      t.after(async () => await db.destroy())
      await migrateToLatest(db, config)
      const nameOf = preparedQuery((kysely, email: string) => kysely.selectFrom('users').select('name').where('email', '=', email))
      let release!: () => void
      const held = new Promise<void>((resolve) => { release = resolve })
      let seenInside: unknown
      const writing = db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values({ name: 'Dee', email: 'dee@example.com', hashed_password: 'x', role: 'user' }).execute()
        seenInside = await nameOf.executeTakeFirst(trx, 'dee@example.com')
        await held
      })
      await new Promise((resolve) => setTimeout(resolve, 20))
      t.assert.strictEqual(await nameOf.executeTakeFirst(db, 'dee@example.com'), undefined)
      release()
      await writing
      t.assert.deepStrictEqual(seenInside, { name: 'Dee' })
      t.assert.deepStrictEqual(await nameOf.executeTakeFirst(db, 'dee@example.com'), { name: 'Dee' })
    })
  })
}
