import { describe, it, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { createDb, directReader } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { preparedQuery, shapedQuery } from '../../src/db/prepared-query.js'
import { buildTestApp, testConfig, testDialects } from '../helpers/build-app.js'
import { createUser, injectAs } from '../helpers/users.js'

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

    it('runs a write on its own, answered once it is committed', async (t: TestContext) => {
      const config = testConfig(t, dialect)
      const db = createDb(config)
      t.after(async () => await db.destroy())
      await migrateToLatest(db, config)
      const added = preparedQuery((kysely, name: string, email: string) =>
        kysely.insertInto('users').values({ name, email, hashed_password: 'x', role: 'user' }).returning(['id', 'name']))
      // On SQLite a write goes to the write connection only: it is never prepared for reading.
      const readerStatements = () => directReader(db)?.preparedStatements.reader
      const before = readerStatements()
      await added.execute(db, 'Dan', 'dan@example.com')
      t.assert.strictEqual(readerStatements(), before)
      await Promise.all(['Eve', 'Fay', 'Gus'].map(async (name) => {
        const row = await added.executeTakeFirst(db, name, `${name.toLowerCase()}@example.com`)
        t.assert.strictEqual(row?.name, name)
        // Committed: a read outside any transaction, which sees only committed rows, finds it.
        const read = await db.selectFrom('users').select('name').where('id', '=', row!.id).executeTakeFirst()
        t.assert.deepStrictEqual(read, { name })
      }))
      t.assert.strictEqual((await db.selectFrom('users').select('id').execute()).length, 4)
    })

    it('builds a shaped query once per shape, runs it with each call\'s arguments, and plans it on every run on PostgreSQL', async (t: TestContext) => {
      const config = testConfig(t, dialect, { DATABASE_POOL_MAX: '1' })
      const db = createDb(config)
      t.after(async () => await db.destroy())
      await migrateToLatest(db, config)
      for (const [name, age] of [['Ann', 30], ['Bob', 40], ['Cyd', 50]] as const) {
        await db.insertInto('users').values({ name, age, email: `${name.toLowerCase()}@example.com`, hashed_password: 'x', role: 'user' }).execute()
      }
      const builds: string[] = []
      // The shape says which bound is set; the bounds' values are arguments.
      const key = (shape: { min: boolean, max: boolean }): string => `${String(shape.min)} ${String(shape.max)}`
      const namesBetween = shapedQuery(key, (shape) => {
        builds.push(key(shape))
        return (kysely, min: number, max: number) => {
          let query = kysely.selectFrom('users').select('name').orderBy('id')
          if (shape.min) query = query.where('age', '>=', min)
          if (shape.max) query = query.where('age', '<=', max)
          return query
        }
      })
      const names = async (min?: number, max?: number): Promise<string[]> => {
        const query = namesBetween({ min: min !== undefined, max: max !== undefined })
        return (await query.execute(db, min ?? 0, max ?? 0)).map((row) => row.name)
      }
      t.assert.deepStrictEqual(await names(35), ['Bob', 'Cyd'])
      t.assert.deepStrictEqual(await names(45), ['Cyd'])
      t.assert.deepStrictEqual(await names(undefined, 45), ['Ann', 'Bob'])
      t.assert.deepStrictEqual(await names(35, 45), ['Bob'])
      t.assert.deepStrictEqual(await names(), ['Ann', 'Bob', 'Cyd'])
      t.assert.deepStrictEqual(await names(undefined, 35), ['Ann'])
      t.assert.deepStrictEqual(builds, ['true false', 'false true', 'true true', 'false false'])
      if (dialect === 'postgres') {
        const { rows } = await sql<{ count: number }>`select count(*)::int as count from pg_prepared_statements where statement like '%"age" >= $1%'`.execute(db)
        t.assert.strictEqual(rows[0]?.count, 0)
      }
    })
  })
}

if (testDialects().includes('postgres')) {
  describe('preparedQuery (postgres), under the hot routes', () => {
    it('keeps one plan for each statement, whatever values it is bound to', async (t: TestContext) => {
      // One connection holds every statement; tables big enough, and analyzed, that a plan for five
      // ids or a LIMIT of 10 is estimated cheaper than the generic one, as on a live database.
      const app = await buildTestApp(t, 'postgres', { DATABASE_POOL_MAX: '1' })
      const owner = await createUser(app)
      await sql`insert into users (name, email, hashed_password, role)
        select 'User ' || i, 'user' || i || '@example.com', 'x', 'user' from generate_series(1, 5000) as i`.execute(app.db)
      await sql`insert into products (name, description, price_cents, quantity, owner_id, tags_json)
        select 'Product ' || i, null, 100 + i, i % 7, ${owner.user.id}, '["home"]' from generate_series(1, 20000) as i`.execute(app.db)
      await sql`analyze`.execute(app.db)
      const product = { name: 'Lamp', price: 19.99, quantity: 3, tags: ['home'] }
      // Requests made together share a statement (grouped-statements.ts).
      const together = async (count: number, request: (index: number) => Promise<unknown>): Promise<void> => {
        await Promise.all(Array.from({ length: count }, async (_, index) => await request(index)))
      }
      for (let round = 0; round < 10; round++) {
        await together(4, async () => await injectAs(app, owner, { method: 'POST', url: '/api/v1/products', payload: product }))
        await together(4, async (index) => await app.inject({ url: `/api/v1/products/${round * 10 + index + 1}` }))
        await together(4, async (index) => await injectAs(app, owner, { url: `/api/v1/users/${index + 1}` }))
        await app.inject({ url: `/api/v1/products?page=${round + 1}&page_size=10` })
        await injectAs(app, owner, { url: `/api/v1/users?page=${round + 1}&page_size=10` })
        await app.inject({ url: `/api/v2/products?limit=${round + 5}` })
        await injectAs(app, owner, { url: `/api/v2/users?limit=${round + 5}` })
      }
      const { rows } = await sql<{ statement: string, generic_plans: string, custom_plans: string }>`
        select statement, generic_plans, custom_plans from pg_prepared_statements`.execute(app.db)
      const ran = rows.filter((row) => Number(row.generic_plans) + Number(row.custom_plans) > 5)
      for (const part of ['insert into "products"', 'unnest(', '"products" where "id" = any(', '"users" where "id" = any(', 'offset', '"id" >']) {
        t.assert.ok(ran.some((row) => row.statement.includes(part)), `a statement with ${part} ran more than five times`)
      }
      // PostgreSQL makes five plans for a statement's values before it may keep its generic plan.
      for (const row of ran) t.assert.ok(Number(row.custom_plans) <= 5, `planned ${row.custom_plans} times: ${row.statement}`)
    })
  })
}
