import { describe, it, type TestContext } from 'node:test'
import { productPage } from '../../src/modules/products/products.list.js'
import type { ProductFilters } from '../../src/modules/products/products.filters.js'
import { insertUser, listUsers } from '../../src/modules/users/users.repository.js'
import { testDialects } from '../helpers/build-app.js'
import { StatementCounter } from '../helpers/statement-counter.js'
import { testDb } from '../jobs/helpers.js'
import { insertTestProduct } from '../helpers/rows.js'

// The lists whose total the triggers keep: a tag, `in_stock`, both or neither.
const KEPT: ProductFilters[] = [
  {}, { tag: 'red' }, { tag: 'absent' }, { inStock: true }, { inStock: false },
  { tag: 'red', inStock: true }, { tag: 'red', inStock: false }, { tag: 'blue', inStock: false }
]

for (const dialect of testDialects()) {
  describe(`pages that carry their kept total (${dialect})`, () => {
    it('give the exact total on every page, past the end too, in one statement', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const users = await Promise.all([1, 2, 3].map(async (n) =>
        await insertUser(db, { name: `User ${n}`, email: `user${n}@example.com`, hashed_password: 'x', role: 'user' })))
      const created = await Promise.all(Array.from({ length: 12 }, async (_, i) => await insertTestProduct(db, {
        name: `Product ${i}`, price_cents: 100 + i, quantity: i % 3, owner_id: users[0]!.id
      }, [['red'], ['red', 'blue'], []][i % 3]!)))
      // Made concurrently: their ids need not follow the order of the calls.
      created.sort((a, b) => a.id - b.id)
      const userIds = users.map(({ id }) => id).sort((a, b) => a - b)
      const counter = new StatementCounter()
      const counted = db.withPlugin(counter)

      for (const filters of KEPT) {
        const { tag, inStock } = filters
        const matching = created.filter(({ tags, quantity }) =>
          (tag === undefined || tags.includes(tag)) && (inStock === undefined || (quantity > 0) === inStock))
        for (const offset of [0, 2, 100]) {
          const before = counter.statements
          const { rows, total } = await productPage(counted, filters, undefined, offset, 2)
          const label = `${JSON.stringify(filters)} from ${offset}`
          t.assert.strictEqual(total, matching.length, label)
          const expected = matching.slice(offset, offset + 2).map(({ id }) => id)
          t.assert.deepStrictEqual(rows.map(({ id }) => id), expected, label)
          // A page with rows carries its total; past the end, the total is read alone.
          if (dialect === 'postgres') t.assert.strictEqual(counter.statements - before, rows.length > 0 ? 1 : 2, label)
        }
      }

      for (const offset of [0, 2, 100]) {
        const before = counter.statements
        const { rows, total } = await listUsers(counted, offset, 2)
        const expected = userIds.slice(offset, offset + 2)
        t.assert.deepStrictEqual([rows.map(({ id }) => id), total], [expected, 3])
        const statements = counter.statements - before
        if (dialect === 'postgres') t.assert.strictEqual(statements, rows.length > 0 ? 1 : 2, `users from ${offset}`)
      }
    })
  })
}
