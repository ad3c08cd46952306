import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it, type TestContext } from 'node:test'
import SQLite from 'better-sqlite3'
import { directReader, sqlitePath } from '../../src/db/database.js'
import { searchText } from '../../src/db/dialect-sql.js'
import { listProducts } from '../../src/modules/products/products.list.js'
import { countProducts } from '../../src/modules/products/products.totals.js'
import { insertUser, searchUsers } from '../../src/modules/users/users.repository.js'
import { insertTestProduct } from '../helpers/rows.js'
import { testDb } from '../jobs/helpers.js'

// The last id each search index holds, beside the last id of its table.
const LAST_IDS = `select (select max(id) from products) as products,
  (select coalesce(max(id), 0) from products_fts_docsize) as trigrams,
  (select coalesce(max(id), 0) from products_substrings_docsize) as substrings`

interface LastIds { products: number, trigrams: number, substrings: number }

function lastIds (path: string): LastIds {
  const connection = new SQLite(path, { readonly: true })
  try {
    return connection.prepare(LAST_IDS).get() as LastIds
  } finally {
    connection.close()
  }
}

const caughtUp = ({ products, trigrams, substrings }: LastIds): boolean =>
  trigrams === products && substrings === products

const search = (text: string) => ({ text: searchText(text) })

// Only SQLite's writer indexes after the commit; PostgreSQL's indexes follow each statement.
describe('search indexes that lag behind their tables (sqlite)', () => {
  it('index new rows after their commit, by themselves, soon after the writes stop', async (t: TestContext) => {
    const { db, config } = await testDb(t, 'sqlite')
    const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', age: null, role: 'user' })
    const seen: LastIds[] = []
    for (let i = 0; i < 5; i++) {
      await insertTestProduct(db, { name: `Walnut lamp ${i}`, description: null, price_cents: 100, quantity: 1, owner_id: owner.id }, [])
      seen.push(lastIds(sqlitePath(config)))
    }
    t.assert.ok(seen.some((ids) => !caughtUp(ids)), `a commit leaves its rows to a later catch-up: ${JSON.stringify(seen)}`)
    for (let waited = 0; !caughtUp(lastIds(sqlitePath(config))); waited += 10) {
      t.assert.ok(waited < 5000, 'the indexes caught up within 5 s')
      await sleep(10)
    }
  })

  it('catch up before a search, which finds rows committed and never indexed, by every read path', async (t: TestContext) => {
    const { db, config } = await testDb(t, 'sqlite')
    const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', age: null, role: 'user' })
    await insertTestProduct(db, { name: 'Oak table', description: null, price_cents: 100, quantity: 1, owner_id: owner.id }, [])
    t.assert.strictEqual(await countProducts(db, search('oak')), 1)
    // Another connection writes as a process that died before indexing would have left it.
    const other = new SQLite(sqlitePath(config))
    t.after(() => other.close())
    const write = (name: string): void => {
      other.prepare('insert into products (name, price_cents, quantity, owner_id) values (?, 100, 1, ?)').run(name, owner.id)
    }
    write('Walnut desk')
    // A page of products is a prepared read, run with the others of its turn.
    t.assert.deepStrictEqual((await listProducts(db, search('walnut'), undefined, 0, 10)).map((p) => p.name), ['Walnut desk'])
    write('Walnut shelf')
    write('Black walnut tray')
    // A count with a text runs on a reader thread.
    t.assert.strictEqual(await countProducts(db, search('walnut desk')), 1)
    t.assert.strictEqual(await countProducts(db, search('walnut')), 3)
    t.assert.ok(caughtUp(lastIds(sqlitePath(config))))
    // A users search is built per request and read through Kysely.
    other.prepare('insert into users (name, email, hashed_password, role) values (?, ?, ?, ?)').run('Ada Walnut', 'ada@example.com', 'x', 'user')
    const users = await searchUsers(db, { text: 'walnut', includeEmail: false, sort: undefined, skip: 0, limit: 10 })
    t.assert.deepStrictEqual(users.map((user) => user.name), ['Ada Walnut'])
  })

  it('asks nothing of the writer for a search when the indexes hold every row', async (t: TestContext) => {
    const { db, config } = await testDb(t, 'sqlite')
    const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', age: null, role: 'user' })
    await insertTestProduct(db, { name: 'Walnut desk', description: null, price_cents: 100, quantity: 1, owner_id: owner.id }, [])
    t.assert.strictEqual(await countProducts(db, search('walnut')), 1)
    while (!caughtUp(lastIds(sqlitePath(config)))) await sleep(10)
    const driver = directReader(db)!
    const commits = driver.commits
    t.assert.strictEqual((await listProducts(db, search('walnut'), undefined, 0, 10)).length, 1)
    t.assert.strictEqual(await countProducts(db, search('walnut')), 1)
    t.assert.strictEqual(driver.commits, commits)
  })

  it('are current once the database closes', async (t: TestContext) => {
    const { db, config } = await testDb(t, 'sqlite')
    const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', age: null, role: 'user' })
    await insertTestProduct(db, { name: 'Walnut desk', description: null, price_cents: 100, quantity: 1, owner_id: owner.id }, [])
    await db.destroy()
    t.assert.ok(caughtUp(lastIds(sqlitePath(config))))
  })
})
