import { describe, it, type TestContext } from 'node:test'
import { sql, type Kysely } from 'kysely'
import { containsPattern, searchText } from '../../src/db/dialect-sql.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import type { Database } from '../../src/db/tables.js'
import { listPosts } from '../../src/modules/posts/posts.list.js'
import { listProducts } from '../../src/modules/products/products.list.js'
import { deleteProduct, updateProduct } from '../../src/modules/products/products.repository.js'
import { countProducts } from '../../src/modules/products/products.totals.js'
import { insertUser } from '../../src/modules/users/users.repository.js'
import { testDialects } from '../helpers/build-app.js'
import { migrateDownThrough, testDb } from '../jobs/helpers.js'
import { insertTestPost, insertTestProduct } from '../helpers/rows.js'

const NAMES = [
  'Sale 50%_off\\x', 'Proof Reader', 'Under_score', 'Back\\slash', 'Backslash', 'Oak Table', 'OAK TABLE XL',
  'Smoked oak', 'Say "hi"', 'Émile Zola', 'Jürgen Öztürk', 'a', 'ab', 'Tab'
]
// Wildcards, escapes, quotes (FTS5 syntax), case, 1–2 characters (the LIKE fallback).
const QUERIES = ['%_o', '_of', 'f\\x', '%%%', '___', 'r_s', 'k\\s', '\\\\\\', 'oak', 'OAK T', 'ak t', '"hi"', 'y "', 'NEAR', 'a', 'b', 'ab', 'AB', '%', '_', 'xl']

async function seed (db: Kysely<Database>): Promise<{ ownerId: number, ids: Map<string, number> }> {
  const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', age: null, role: 'user' })
  const ids = new Map<string, number>()
  for (const [i, name] of NAMES.entries()) {
    // Every other one carries the text in the description, to search both columns.
    const row = i % 2 === 0 ? { name, description: null } : { name: `Item ${i}`, description: name }
    const product = await insertTestProduct(db, { ...row, price_cents: 100, quantity: 1, owner_id: owner.id }, [])
    ids.set(name, product.id)
  }
  return { ownerId: owner.id, ids }
}

/** What the LIKE scan (the search before the index) finds for `text`. */
async function scanned (db: Kysely<Database>, text: string): Promise<number[]> {
  const rows = await db.selectFrom('products').select('id')
    .where((eb) => eb.or([containsPattern(db, 'products.name', searchText(text).pattern), containsPattern(db, 'products.description', searchText(text).pattern)]))
    .orderBy('id').execute()
  return rows.map((row) => row.id)
}

async function found (db: Kysely<Database>, text: string): Promise<number[]> {
  return (await listProducts(db, { text: searchText(text) }, undefined, 0, 100)).map((p) => p.id)
}

for (const dialect of testDialects()) {
  describe(`indexed text search (${dialect})`, () => {
    it('finds what the LIKE scan finds, with %, _, \\ and " literal', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      await seed(db)
      for (const text of QUERIES) {
        const expected = await scanned(db, text)
        t.assert.deepStrictEqual(await found(db, text), expected, text)
        t.assert.strictEqual(await countProducts(db, { text: searchText(text) }), expected.length, text)
      }
      t.assert.strictEqual((await found(db, 'oak')).length, 3)
      t.assert.strictEqual((await found(db, '"hi"')).length, 1)
    })

    it('pages through matches by id, alone or with other filters, as the scan would', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      await seed(db)
      const expected = await scanned(db, 'item')
      t.assert.strictEqual(expected.length, 7)
      for (const offset of [0, 2, 4, 6, 8]) {
        const page = await listProducts(db, { text: searchText('item') }, undefined, offset, 2)
        t.assert.deepStrictEqual(page.map((p) => p.id), expected.slice(offset, offset + 2), `offset ${offset}`)
        const filtered = await listProducts(db, { text: searchText('item'), minCents: 100 }, undefined, offset, 2)
        t.assert.deepStrictEqual(filtered.map((p) => p.id), expected.slice(offset, offset + 2), `offset ${offset} with a price filter`)
      }
      t.assert.strictEqual(await countProducts(db, { text: searchText('item'), maxCents: 99 }), 0)
      t.assert.deepStrictEqual(await listProducts(db, { text: searchText('item'), inStock: false }, undefined, 0, 10), [])
    })

    it('gives a sorted page of matches alike, whether it walks the sort\'s index or sorts the matches', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', age: null, role: 'user' })
      // Prices with ties, names with ties, matches and others interleaved. Some rows hold
      // letters beyond ASCII, which the search index folds and LIKE does not: a Kelvin
      // sign (a `k` to the index), an accented capital, an NUL (which PostgreSQL's text cannot
      // hold); one text has a long s.
      const desks = ['desk', 'DES\u212A', 'Desk', 'desk caf\u00c9', dialect === 'sqlite' ? 'de\u0000sk' : 'd-esk', 'desk']
      for (let i = 0; i < 40; i++) {
        const name = `${i % 3 === 0 ? 'Walnut' : 'Pine'} ${i % 3 === 0 ? desks[(i / 3) % desks.length]! : ['lamp', 'chair'][i % 2]!}`
        const description = i % 4 === 1 ? `Looks like walnut, a caf\u00e9 ${i % 8 === 1 ? 'D\u0130SK' : 'DESK'}` : i % 4 === 2 ? '50%_off, a\\b' : null
        const product = { name, description, price_cents: 100 * (1 + (i % 7)), quantity: i % 2, owner_id: owner.id }
        await insertTestProduct(db, product, [])
      }
      const orders = [['price_cents', 'desc'], ['price_cents', 'asc'], ['name', 'desc'], ['created_at', 'desc']] as const
      for (const text of ['walnut', 'desk', 'k c', 'caf\u00e9 d', 'CAFÉ', 'DE\u017fK', '0%_o', 'a\\b', '0__o']) {
        const expected = await found(db, text)
        // Wildcards are literal; PostgreSQL's lower() leaves the long s as it is.
        const absent = text === '0__o' || (dialect === 'postgres' && text === 'DE\u017fK')
        t.assert.strictEqual(expected.length === 0, absent, text)
        for (const [column, direction] of orders) {
          for (const [offset, limit] of [[0, 5], [5, 5], [10, 10], [0, 100]]) {
            const page = async (window?: number) =>
              await listProducts(db, { text: searchText(text) }, { column, direction }, offset!, limit!, window)
            const ids = async (window?: number) => (await page(window)).map((p) => p.id)
            const walked = await ids(1_000)
            t.assert.deepStrictEqual(walked, await ids(), `${text}: ${column} ${direction} ${offset}+${limit}`)
            if (limit === 100) t.assert.deepStrictEqual(walked.toSorted((a, b) => a - b), expected, `${text}: ${column} ${direction}`)
          }
        }
      }
      t.assert.strictEqual((await listProducts(db, { text: searchText('walnut') }, { column: 'price_cents', direction: 'desc' }, 0, 100, 1_000)).length, 21)
      if (dialect === 'sqlite') {
        // What only the index finds: the Kelvin sign is a `k`, the long s an `s`, É an é.
        const names = async (text: string) => (await listProducts(db, { text: searchText(text) }, { column: 'name', direction: 'asc' }, 0, 100, 1_000)).map((p) => p.name)
        t.assert.ok((await names('desk')).includes('Walnut DES\u212A'))
        t.assert.ok((await names('desk caf\u00e9')).includes('Walnut desk caf\u00c9'))
        t.assert.ok((await names('DE\u017fK')).includes('Walnut desk'))
      }
    })

    it('matches non-ASCII letters case-insensitively for 3 characters or more', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const { ids } = await seed(db)
      t.assert.deepStrictEqual(await found(db, 'émile'), [ids.get('Émile Zola')])
      t.assert.deepStrictEqual(await found(db, 'ÖZTÜRK'), [ids.get('Jürgen Öztürk')])
    })

    it('follows inserts, updates and deletes', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const { ids } = await seed(db)
      const id = ids.get('Proof Reader')!
      await updateProduct(db, id, { description: 'Walnut writing desk' }, undefined)
      t.assert.deepStrictEqual(await found(db, 'proof'), [])
      t.assert.deepStrictEqual(await found(db, 'writing desk'), [id])
      // A change to another column leaves the text findable.
      await updateProduct(db, id, { price_cents: 250 }, undefined)
      t.assert.deepStrictEqual(await found(db, 'writing desk'), [id])
      await deleteProduct(db, id)
      t.assert.deepStrictEqual(await found(db, 'writing desk'), [])
    })

    it('finds every match among many small writes, each its own commit', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const { ownerId } = await seed(db)
      const added: number[] = []
      // One commit each: on SQLite each leaves a small index segment, merged once eight exist.
      for (let i = 0; i < 40; i++) {
        added.push((await insertTestProduct(db, { name: `Walnut shelf ${i}`, description: null, price_cents: 100, quantity: 1, owner_id: ownerId }, [])).id)
      }
      t.assert.deepStrictEqual(await found(db, 'walnut sh'), added)
      t.assert.deepStrictEqual(await found(db, 'oak'), await scanned(db, 'oak'))
      if (dialect === 'sqlite') {
        const { rows } = await sql<{ v: number }>`select v from products_fts_config where k = 'automerge'`.execute(db)
        t.assert.strictEqual(rows[0]?.v, 8)
      }
    })

    it('indexes a transaction\'s rows as it commits, whatever it did to them before', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const { ownerId } = await seed(db)
      const product = (name: string) => ({ name, description: null, price_cents: 100, quantity: 1, owner_id: ownerId })
      const { gone, renamed, kept } = await db.transaction().execute(async (trx) => {
        const gone = await insertTestProduct(trx, product('Walnut alpha'), [])
        const renamed = await insertTestProduct(trx, product('Walnut beta'), [])
        const kept = await insertTestProduct(trx, product('Walnut gamma'), [])
        for (let i = 0; i < 20; i++) await insertTestProduct(trx, product(`Maple ${i}`), [])
        // Taken out of the index by their old text before the commit indexes them.
        await updateProduct(trx, renamed.id, { name: 'Cherry beta' }, undefined)
        await deleteProduct(trx, gone.id)
        return { gone, renamed, kept }
      })
      t.assert.deepStrictEqual(await found(db, 'walnut'), [kept.id])
      t.assert.deepStrictEqual(await found(db, 'cherry'), [renamed.id])
      t.assert.deepStrictEqual(await found(db, 'alpha'), [])
      t.assert.strictEqual((await found(db, 'maple')).length, 20)
      t.assert.ok(!(await found(db, 'maple')).includes(gone.id))
      // Throws unless the index holds exactly the text of each row (`rank` 1: compared with the table).
      if (dialect === 'sqlite') await sql`insert into products_fts(products_fts, rank) values ('integrity-check', 1)`.execute(db)
    })

    it('indexes rows written at once by concurrent callers, and after its migration is reverted', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const { ownerId } = await seed(db)
      const product = (name: string) => ({ name, description: null, price_cents: 100, quantity: 1, owner_id: ownerId })
      const many = await Promise.all(Array.from({ length: 30 }, async (_, i) => await insertTestProduct(db, product(`Walnut tray ${i}`), [])))
      t.assert.deepStrictEqual(await found(db, 'walnut tr'), many.map((p) => p.id).sort((a, b) => a - b))
      await Promise.all(many.slice(0, 10).map(async (p) => await deleteProduct(db, p.id)))
      t.assert.strictEqual((await found(db, 'walnut tr')).length, 20)
      await migrateDownThrough(db, config, '2026_12_07_0021_index_search_rows_at_commit')
      const before = await insertTestProduct(db, product('Walnut bowl'), [])
      await migrateToLatest(db, config)
      const after = await insertTestProduct(db, product('Walnut bowl, deep'), [])
      t.assert.deepStrictEqual(await found(db, 'walnut bo'), [before.id, after.id])
      if (dialect === 'sqlite') await sql`insert into products_fts(products_fts, rank) values ('integrity-check', 1)`.execute(db)
    })

    it('searches post titles and contents the same way', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const { ownerId } = await seed(db)
      const a = await insertTestPost(db, { title: 'Über 100% sure', content: 'plain', user_id: ownerId })
      const b = await insertTestPost(db, { title: 'Other', content: 'snake_case and back\\slash', user_id: ownerId })
      await insertTestPost(db, { title: 'Decoy', content: 'snakeXcase 1000 sure', user_id: ownerId })
      const search = async (text: string) => (await listPosts(db, { viewer: null, text }, 0, 100)).map((p) => p.id)
      t.assert.deepStrictEqual(await search('ÜBER'), [a.id])
      t.assert.deepStrictEqual(await search('0% s'), [a.id])
      t.assert.deepStrictEqual(await search('e_c'), [b.id])
      t.assert.deepStrictEqual(await search('k\\s'), [b.id])
      t.assert.deepStrictEqual(await search('%'), [a.id])
    })
  })
}
