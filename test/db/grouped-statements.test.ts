import { describe, it, type TestContext } from 'node:test'
import { sql, type Kysely } from 'kysely'
import { directReader } from '../../src/db/database.js'
import type { Database } from '../../src/db/tables.js'
import { findPostById } from '../../src/modules/posts/posts.repository.js'
import { findProductById, insertProduct } from '../../src/modules/products/products.repository.js'
import { countProducts } from '../../src/modules/products/products.totals.js'
import { findUserById, insertUser, updateUser } from '../../src/modules/users/users.repository.js'
import { testDialects } from '../helpers/build-app.js'
import { StatementCounter } from '../helpers/statement-counter.js'
import { testDb } from '../jobs/helpers.js'
import { insertTestPost, insertTestProduct } from '../helpers/rows.js'

// Values that PostgreSQL's array syntax must escape, and SQLite's text must keep as they are.
const NAMES = ['Plain', 'A "quoted", {braced} name', 'Back\\slash', 'NULL', 'Ünïcödé 🌰', '  inner  spaces  ']
const TAGS = ['red', 'green, blue', '{x}']

function productFor (ownerId: number, i: number) {
  return {
    row: {
      name: `${NAMES[i % NAMES.length]!} ${i}`,
      description: i % 3 === 0 ? null : `About "${i}", {really}`,
      price_cents: 1 + i * 137,
      quantity: i % 4,
      owner_id: ownerId,
      ...(i % 5 === 0 ? { created_at: `2020-01-0${1 + (i % 9)}T10:00:00.000Z` } : {})
    },
    tags: TAGS.slice(0, i % 4)
  }
}

/** Transactions that inserted the products: PostgreSQL's `xmin`, one per statement outside a transaction. */
async function transactionsOf (db: Kysely<Database>, ids: number[]): Promise<number> {
  const { rows } = await sql<{ count: number }>`select count(distinct xmin::text)::int as count from products where id in (${sql.join(ids)})`.execute(db)
  return rows[0]!.count
}

for (const dialect of testDialects()) {
  describe(`insertProduct outside a transaction (${dialect})`, () => {
    it('gives each of many concurrent callers its own product, stored as sent', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', role: 'user' })
      const sent = Array.from({ length: 40 }, (_, i) => productFor(owner.id, i))
      const created = await Promise.all(sent.map(async ({ row, tags }) => await insertTestProduct(db, row, tags)))

      t.assert.strictEqual(new Set(created.map((product) => product.id)).size, sent.length)
      for (const [i, product] of created.entries()) {
        const { row, tags } = sent[i]!
        const expected = { ...row, tags }
        for (const [field, value] of Object.entries(expected)) t.assert.deepStrictEqual(product[field as keyof typeof product], value, `${i}: ${field}`)
        t.assert.deepStrictEqual(await findProductById(db, product.id), product)
        const tagRows = await db.selectFrom('product_tags').select('tag').where('product_id', '=', product.id).orderBy('position').execute()
        t.assert.deepStrictEqual(tagRows.map(({ tag }) => tag), tags)
      }
      // Callers that came while a statement ran shared the next one.
      if (dialect === 'postgres') t.assert.ok(await transactionsOf(db, created.map(({ id }) => id)) < sent.length / 2)
    })

    it('keeps every count exact', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', role: 'user' })
      await Promise.all(Array.from({ length: 60 }, async (_, i) => {
        const { row, tags } = productFor(owner.id, i)
        return await insertTestProduct(db, row, tags)
      }))
      const real = async (where: ReturnType<typeof sql<boolean>>, tag?: string) => {
        const rows = tag === undefined ? sql`products where true` : sql`product_tags join products on products.id = product_tags.product_id where tag = ${tag}`
        const { rows: [counted] } = await sql<{ count: number }>`select count(*) as count from ${rows} and ${where}`.execute(db)
        return Number(counted!.count)
      }
      for (const tag of [undefined, ...TAGS, 'absent']) {
        t.assert.strictEqual(await countProducts(db, { tag }), await real(sql`true`, tag), `${tag ?? 'all'}`)
        t.assert.strictEqual(await countProducts(db, { tag, inStock: true }), await real(sql`products.quantity > 0`, tag), `${tag ?? 'all'} in stock`)
        t.assert.strictEqual(await countProducts(db, { tag, minCents: 1000, maxCents: 5000 }),
          await real(sql`products.price_cents between 1000 and 5000`, tag), `${tag ?? 'all'} 10–50`)
      }
    })

    it('fails only the product that breaks a rule, not those sent beside it', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', role: 'user' })
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, async (_, i) => {
        const { row, tags } = productFor(owner.id, i)
        // The table's CHECK (price_cents > 0).
        return await insertTestProduct(db, i === 10 ? { ...row, price_cents: 0 } : row, tags)
      }))

      t.assert.strictEqual(outcomes[10]!.status, 'rejected')
      const created = outcomes.flatMap((outcome) => outcome.status === 'fulfilled' ? [outcome.value] : [])
      t.assert.strictEqual(created.length, 19)
      const stored = await db.selectFrom('products').select(['id', 'name']).orderBy('id').execute()
      t.assert.deepStrictEqual(stored, created.map(({ id, name }) => ({ id, name })).sort((a, b) => a.id - b.id))
      t.assert.strictEqual(await countProducts(db, {}), 19)
    })

    it('inserts nothing for a caller no longer signed in, and every product of those sent beside it', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const newUser = async (n: number, fields: { is_active?: number } = {}) =>
        await insertUser(db, { name: `User ${n}`, email: `user${n}@example.com`, hashed_password: 'x', role: 'user', ...fields })
      const active = await newUser(1)
      const inactive = await newUser(2, { is_active: 0 })
      const changedPassword = await newUser(3)
      const now = Math.floor(Date.now() / 1000)
      await updateUser(db, changedPassword.id, { tokens_valid_after: now })
      const callers = [
        { id: active.id, issuedAt: now },
        { id: inactive.id, issuedAt: now },
        { id: changedPassword.id, issuedAt: now },
        { id: changedPassword.id, issuedAt: now + 1 },
        { id: active.id + 1000, issuedAt: now }
      ]
      const refused = [false, true, true, false, true]
      const created = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
        const { row: { owner_id: _owner, ...row }, tags } = productFor(0, i)
        return await insertProduct(db, callers[i % callers.length]!, row, tags)
      }))

      for (const [i, product] of created.entries()) {
        const caller = callers[i % callers.length]!
        if (refused[i % callers.length]!) t.assert.strictEqual(product, undefined, `${i}`)
        else {
          const expected = { name: productFor(0, i).row.name, owner_id: caller.id }
          t.assert.deepStrictEqual({ name: product?.name, owner_id: product?.owner_id }, expected, `${i}`)
        }
      }
      const stored = await db.selectFrom('products').select(['id', 'owner_id']).orderBy('id').execute()
      const pick = ({ id, owner_id: ownerId }: { id: number, owner_id: number }) => ({ id, owner_id: ownerId })
      const kept = created.flatMap((product) => product === undefined ? [] : [pick(product)])
      t.assert.deepStrictEqual(stored, kept.sort((a, b) => a.id - b.id))
      t.assert.strictEqual(await countProducts(db, {}), 12)
    })

    it('sends the inserts that piled up behind a waiting statement as one statement', async (t: TestContext) => {
      if (dialect !== 'postgres') return t.skip('SQLite runs each insert alone')
      const { db } = await testDb(t, dialect)
      const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', role: 'user' })
      const counter = new StatementCounter()
      const counted = db.withPlugin(counter)
      let release!: () => void
      const held = new Promise<void>((resolve) => { release = resolve })
      let locked!: () => void
      const ownerLocked = new Promise<void>((resolve) => { locked = resolve })
      // The owner's row locked: the first insert waits on its foreign key check.
      const locking = db.transaction().execute(async (trx) => {
        await trx.selectFrom('users').select('id').where('id', '=', owner.id).forUpdate().execute()
        locked()
        await held
      })
      await ownerLocked
      const first = insertTestProduct(counted, productFor(owner.id, 0).row, [])
      await new Promise((resolve) => setTimeout(resolve, 50))
      const piled = Array.from({ length: 250 }, async (_, i) =>
        await insertTestProduct(counted, productFor(owner.id, i + 1).row, []))
      release()
      await locking
      await Promise.all([first, ...piled])
      t.assert.strictEqual(counter.statements, 2)
      t.assert.strictEqual(await countProducts(db, {}), 251)
    })

    it('inserts as part of a transaction when given one', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', role: 'user' })
      const rolledBack = db.transaction().execute(async (trx) => {
        await Promise.all([1, 2, 3].map(async (i) => await insertTestProduct(trx, productFor(owner.id, i).row, [])))
        throw new Error('rolled back')
      })
      await t.assert.rejects(rolledBack, /rolled back/)
      t.assert.strictEqual(await countProducts(db, {}), 0)
      t.assert.deepStrictEqual(await db.selectFrom('products').select('id').execute(), [])
    })
  })
}

for (const dialect of testDialects()) {
  describe(`reads by id outside a transaction (${dialect})`, () => {
    it('give each of many concurrent callers the row of its id, or none, a row of its own', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const users = await Promise.all([1, 2, 3, 4, 5].map(async (n) =>
        await insertUser(db, { name: `User ${n}`, email: `user${n}@example.com`, hashed_password: 'x', role: 'user' })))
      const product = await insertTestProduct(db, productFor(users[0]!.id, 1).row, ['red'])
      const post = await insertTestPost(db, { title: 'A post', content: 'Its text', user_id: users[1]!.id })
      const counter = new StatementCounter()
      const counted = db.withPlugin(counter)
      const ids = Array.from({ length: 40 }, (_, i) => i % 8 === 7 ? 10_000 + i : users[i % 5]!.id)
      const [found, products, posts] = await Promise.all([
        Promise.all(ids.map(async (id) => await findUserById(counted, id))),
        Promise.all([product.id, product.id, product.id, product.id + 1].map(async (id) =>
          await findProductById(counted, id))),
        Promise.all([post.id, post.id + 1, post.id].map(async (id) => await findPostById(counted, id)))
      ])

      for (const [i, id] of ids.entries()) t.assert.deepStrictEqual(found[i], await findUserById(db, id), `user ${id}`)
      t.assert.strictEqual(found.filter((user) => user === undefined).length, 5)
      // The first call goes alone, the others together: ask the same id twice among them.
      t.assert.notStrictEqual(found[5], found[10])
      t.assert.deepStrictEqual(products, [product, product, product, undefined])
      t.assert.notStrictEqual(products[1], products[2])
      t.assert.deepStrictEqual(posts, [post, undefined, post])
      t.assert.notStrictEqual(posts[0], posts[2])
      if (dialect === 'postgres') t.assert.ok(counter.statements < (ids.length + 4 + 3) / 2, `${counter.statements} statements`)

      // On SQLite, reads asked for by callbacks of one turn of the event loop, as concurrent
      // requests make them, share one read transaction.
      const driver = directReader(db)
      if (driver !== undefined) {
        await new Promise((resolve) => setImmediate(resolve))
        const before = driver.readSnapshots
        const reads = [
          ...ids.map((id) => async () => await findUserById(db, id)),
          async () => await findProductById(db, product.id),
          async () => await findPostById(db, post.id)
        ]
        const fromCallback = async (read: () => Promise<unknown>) =>
          await new Promise((resolve) => { setImmediate(() => { resolve(read()) }) })
        await Promise.all(reads.map(fromCallback))
        t.assert.strictEqual(driver.readSnapshots, before + 1)
      }
    })

    it('see every commit made before they were called, while other reads are running', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const user = await insertUser(db, { name: 'Before', email: 'user@example.com', hashed_password: 'x', role: 'user' })
      const running: Array<Promise<unknown>> = []
      for (let round = 0; round < 20; round++) {
        // Reads already on their way when the change commits.
        running.push(...Array.from({ length: 5 }, async () => await findUserById(db, user.id)))
        await updateUser(db, user.id, { name: `After ${round}` })
        t.assert.strictEqual((await findUserById(db, user.id))?.name, `After ${round}`)
      }
      await Promise.all(running)
    })
  })
}
