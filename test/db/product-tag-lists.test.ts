import { describe, it, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { migrateDown, migrateToLatest } from '../../src/db/migrate.js'
import { findProductById, updateProduct } from '../../src/modules/products/products.repository.js'
import { insertUser } from '../../src/modules/users/users.repository.js'
import { testDialects } from '../helpers/build-app.js'
import { testDb } from '../jobs/helpers.js'
import { insertTestProduct } from '../helpers/rows.js'

const owner = { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', role: 'user' as const }
const lamp = (ownerId: number) => ({ name: 'Lamp', price_cents: 1999, quantity: 1, owner_id: ownerId })

for (const dialect of testDialects()) {
  describe(`product tag lists (${dialect})`, () => {
    it('follow the tag rows through inserts and updates, in the order given', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const { id: ownerId } = await insertUser(db, owner)
      const { id } = await db.transaction().execute(async (trx) => await insertTestProduct(trx, lamp(ownerId), ['b', 'a']))
      const tagRows = async () => (await db.selectFrom('product_tags').select('tag').where('product_id', '=', id).orderBy('position').execute())
        .map((row) => row.tag)
      t.assert.deepStrictEqual((await findProductById(db, id))?.tags, ['b', 'a'])
      await db.transaction().execute(async (trx) => await updateProduct(trx, id, { quantity: 2 }, undefined))
      t.assert.deepStrictEqual((await findProductById(db, id))?.tags, ['b', 'a'])
      const updated = await db.transaction().execute(async (trx) => await updateProduct(trx, id, {}, ['c', 'b', 'z']))
      t.assert.deepStrictEqual(updated?.tags, ['c', 'b', 'z'])
      t.assert.deepStrictEqual((await findProductById(db, id))?.tags, ['c', 'b', 'z'])
      t.assert.deepStrictEqual(await tagRows(), ['c', 'b', 'z'])
      await db.transaction().execute(async (trx) => await updateProduct(trx, id, {}, []))
      t.assert.deepStrictEqual((await findProductById(db, id))?.tags, [])
    })

    it('give the database the tag rows to write, with the product\'s price, stock, name and date', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const { id: ownerId } = await insertUser(db, owner)
      const tagRows = async (productId: number) => (await db.selectFrom('product_tags')
        .select(['tag', 'position', 'name', 'price_cents', 'in_stock', 'created_at'])
        .where('product_id', '=', productId).orderBy('position').execute())
        .map((row) => ({ ...row, price_cents: Number(row.price_cents), in_stock: Number(row.in_stock) }))
      type Changes = { name?: string, price_cents?: number, in_stock?: number }
      const lampRows = (tags: string[], changes: Changes = {}) => tags.map((tag, position) =>
        ({ tag, position, name: 'Lamp', price_cents: 1999, in_stock: 1, created_at: '2021-02-03T04:05:06.789Z', ...changes }))
      const { id } = await insertTestProduct(db, { ...lamp(ownerId), created_at: '2021-02-03T04:05:06.789Z' }, ['b', 'a', 'c'])
      t.assert.deepStrictEqual(await tagRows(id), lampRows(['b', 'a', 'c']))
      // A new list is written again, with the values changed in the same statement.
      await updateProduct(db, id, { price_cents: 500, quantity: 0 }, ['a', 'z'])
      t.assert.deepStrictEqual(await tagRows(id), lampRows(['a', 'z'], { price_cents: 500, in_stock: 0 }))
      await updateProduct(db, id, { name: 'Desk lamp', quantity: 3 }, undefined)
      t.assert.deepStrictEqual(await tagRows(id), lampRows(['a', 'z'], { name: 'Desk lamp', price_cents: 500 }))
      await updateProduct(db, id, {}, [])
      t.assert.deepStrictEqual(await tagRows(id), [])
      // Several products in one statement, as agora seed writes them.
      const batch = await db.insertInto('products').values([
        { ...lamp(ownerId), tags_json: '["x","y"]', created_at: '2021-02-03T04:05:06.789Z' },
        { ...lamp(ownerId), tags_json: '[]', created_at: '2021-02-03T04:05:06.789Z' },
        { ...lamp(ownerId), quantity: 0, tags_json: '["y"]', created_at: '2021-02-03T04:05:06.789Z' }
      ]).returning('id').execute()
      t.assert.deepStrictEqual(await Promise.all(batch.map(async (row) => await tagRows(row.id))),
        [lampRows(['x', 'y']), [], lampRows(['y'], { in_stock: 0 })])
    })

    it('are filled from the tag rows of the products that exist when the migration runs', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const { id: ownerId } = await insertUser(db, owner)
      // Back to before migration 0010, whatever came after it.
      let reverted: string[] = []
      while (!reverted.includes('2026_12_04_0010_add_product_tag_lists')) {
        reverted = await migrateDown(db, config)
        t.assert.notDeepStrictEqual(reverted, [], 'migration 0010 was never applied')
      }
      const [tagged, bare] = await db.insertInto('products').values([lamp(ownerId), lamp(ownerId)] as never).returning('id').execute()
      await db.insertInto('product_tags').values([
        { product_id: tagged!.id, tag: 'z', position: 0 }, { product_id: tagged!.id, tag: 'a', position: 1 }, { product_id: tagged!.id, tag: 'm', position: 2 }
      ]).execute()
      await migrateToLatest(db, config)
      const { rows } = await sql<{ id: number, tags_json: string }>`select id, tags_json from products order by id`.execute(db)
      t.assert.deepStrictEqual(rows.map((row) => [Number(row.id), JSON.parse(row.tags_json)]), [[tagged!.id, ['z', 'a', 'm']], [bare!.id, []]])
    })
  })
}
