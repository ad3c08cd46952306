import { readFileSync } from 'node:fs'
import { describe, it, type TestContext } from 'node:test'
import { sql, type Kysely } from 'kysely'
import { sqlitePath } from '../../src/db/database.js'
import { containsPattern, searchText } from '../../src/db/dialect-sql.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { searchesBySubstring, substringsOf } from '../../src/db/search-substrings.js'
import type { Database } from '../../src/db/tables.js'
import { listProducts } from '../../src/modules/products/products.list.js'
import { deleteProduct, updateProduct } from '../../src/modules/products/products.repository.js'
import { countProducts } from '../../src/modules/products/products.totals.js'
import { insertUser } from '../../src/modules/users/users.repository.js'
import { insertTestProduct } from '../helpers/rows.js'
import { migrateDownThrough, testDb } from '../jobs/helpers.js'

describe('substringsOf', () => {
  it('gives every substring of 3 to 16 characters of each word, once, ASCII letters lower-cased', (t: TestContext) => {
    const tokens = substringsOf('Oak-Table', null, 'oak').split(' ')
    t.assert.deepStrictEqual(tokens.toSorted(), ['abl', 'able', 'ble', 'oak', 'tab', 'tabl', 'table'])
    // A word breaks at ASCII characters other than letters and digits, not at others.
    t.assert.ok(substringsOf('caf\u00e9\u2014bar 50%_off').split(' ').includes('\u00e9\u2014b'))
    t.assert.ok(!substringsOf('50%_off').split(' ').some((token) => token.includes('%')))
    t.assert.strictEqual(substringsOf('ab, cd'), '')
  })

  it('keeps pairs of surrogates whole and stops at 16 characters', (t: TestContext) => {
    const tokens = substringsOf('\u{1F600}ab\u{1F600}').split(' ')
    t.assert.ok(tokens.includes('\u{1F600}ab') && tokens.includes('ab\u{1F600}') && tokens.includes('\u{1F600}ab\u{1F600}'))
    t.assert.ok(tokens.every((token) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(token)))
    const long = substringsOf('a'.repeat(20) + 'b').split(' ')
    t.assert.strictEqual(Math.max(...long.map((token) => token.length)), 16)
    t.assert.ok(long.includes(`${'a'.repeat(15)}b`))
  })

  it('answers texts of 3 to 16 ASCII letters and digits, the others go to the trigram index', (t: TestContext) => {
    for (const text of ['oak', 'Walnut', 'abc123', 'a'.repeat(16)]) t.assert.ok(searchesBySubstring(text), text)
    for (const text of ['ab', 'oak table', 'o-k', 'caf\u00e9', 'a'.repeat(17), '"oak"']) t.assert.ok(!searchesBySubstring(text), text)
  })
})

// Words that hold each other, cases, digits, breaks of every kind, letters beyond ASCII, a long word.
const TEXTS = [
  ['Walnut desk', 'A WALNUT-veneer desk, 120cm'], ['Walnuts', null], ['Black walnut tray', 'blackwalnut'],
  ['Oak table', 'Solid oak; seats 6'], ['Cloak rack', 'for a coat'], ['Soak tub', 'caf\u00e9\u2014walnut, DES\u212A'],
  ['Tray 2000', '2000mm'], ['Long', `${'x'.repeat(300)}walnut${'y'.repeat(200)}`]
] as const
const QUERIES = ['walnut', 'WALNUT', 'alnu', 'oak', 'OAK', 'loak', 'des', 'tray', '2000', '000mm', '120cm', 'veneer',
  'blackwalnut', 'xxxwalnut', 'walnutyyy', 'xxxxxxxxxxxxxxxx', 'seats', 'absent', 'caf', 'cafe']

async function seed (db: Kysely<Database>): Promise<number> {
  const owner = await insertUser(db, { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', age: null, role: 'user' })
  for (const [name, description] of TEXTS) {
    await insertTestProduct(db, { name, description, price_cents: 100, quantity: 1, owner_id: owner.id }, [])
  }
  return owner.id
}

/** What the LIKE scan finds: the search's meaning for ASCII texts. */
async function scanned (db: Kysely<Database>, text: string): Promise<number[]> {
  const rows = await db.selectFrom('products').select('id')
    .where((eb) => eb.or([containsPattern(db, 'products.name', searchText(text).pattern), containsPattern(db, 'products.description', searchText(text).pattern)]))
    .orderBy('id').execute()
  return rows.map((row) => row.id)
}

async function assertFindsAsScan (t: TestContext, db: Kysely<Database>, note: string): Promise<void> {
  for (const text of QUERIES) {
    const expected = await scanned(db, text)
    t.assert.strictEqual(await countProducts(db, { text: searchText(text) }), expected.length, `${note}: count of ${text}`)
    t.assert.deepStrictEqual((await listProducts(db, { text: searchText(text) }, undefined, 0, 100)).map((p) => p.id), expected, `${note}: ${text}`)
  }
}

// Only SQLite has the substring index; PostgreSQL's searches are in search-index.test.ts.
describe('the substring index (sqlite)', () => {
  it('finds what the LIKE scan finds, inside words, across cases, and in a long word', async (t: TestContext) => {
    const { db } = await testDb(t, 'sqlite')
    await seed(db)
    await assertFindsAsScan(t, db, 'seeded')
    // The Kelvin sign is a `k` to both search indexes (as before this one), not to LIKE.
    t.assert.strictEqual(await countProducts(db, { text: searchText('desk') }), (await scanned(db, 'desk')).length + 1)
    const { rows } = await sql<{ count: number }>`select count(*) as count from products_substrings where products_substrings match '"walnut"'`.execute(db)
    t.assert.strictEqual(rows[0]?.count, (await scanned(db, 'walnut')).length)
  })

  it('follows updates and deletes, in a transaction with new rows', async (t: TestContext) => {
    const { db } = await testDb(t, 'sqlite')
    const ownerId = await seed(db)
    const [first] = await db.selectFrom('products').select('id').orderBy('id').limit(1).execute()
    await updateProduct(db, first!.id, { name: 'Pine desk' }, undefined)
    await updateProduct(db, first!.id, { quantity: 5 }, undefined)
    await deleteProduct(db, first!.id + 3)
    await assertFindsAsScan(t, db, 'after an update and a delete')
    await db.transaction().execute(async (trx) => {
      const product = (name: string) => ({ name, description: null, price_cents: 100, quantity: 1, owner_id: ownerId })
      const renamed = await insertTestProduct(trx, product('Walnut bowl'), [])
      const gone = await insertTestProduct(trx, product('Oak bowl'), [])
      await insertTestProduct(trx, product('Cloaked bowl'), [])
      await updateProduct(trx, renamed.id, { name: 'Maple bowl' }, undefined)
      await updateProduct(trx, first!.id + 1, { description: 'no longer a nut' }, undefined)
      await deleteProduct(trx, gone.id)
    })
    await assertFindsAsScan(t, db, 'after a transaction')
    const { rows } = await sql<{ count: number }>`select count(*) as count from products_substrings_stale`.execute(db)
    t.assert.strictEqual(rows[0]?.count, 0)
  })

  it('counts exactly through many commits of inserts, renames and deletes, each its own segment', async (t: TestContext) => {
    const { db } = await testDb(t, 'sqlite')
    const ownerId = await seed(db)
    const names = ['Walnut bowl', 'Oak bowl', 'Cloak', 'Walnuts']
    const ids: number[] = []
    let random = 7
    const next = (n: number) => { random = (random * 16807) % 2147483647; return random % n }
    for (let step = 0; step < 60; step++) {
      const id = ids.length > 0 && next(3) > 0 ? ids[next(ids.length)]! : undefined
      if (id === undefined) {
        const product = { name: names[next(4)]!, description: null, price_cents: 100, quantity: 1, owner_id: ownerId }
        ids.push((await insertTestProduct(db, product, [])).id)
      } else if (next(2) === 0) {
        await updateProduct(db, id, { name: names[next(4)]! }, undefined)
      } else {
        await deleteProduct(db, id)
        ids.splice(ids.indexOf(id), 1)
      }
    }
    await assertFindsAsScan(t, db, 'after 60 commits')
  })

  it('writes no page of the stale rows at a commit that renamed nothing', async (t: TestContext) => {
    const { db, config } = await testDb(t, 'sqlite')
    const ownerId = await seed(db)
    const rootPage = async (name: string): Promise<number> =>
      (await sql<{ rootpage: number }>`select rootpage from sqlite_schema where name = ${name}`.execute(db)).rows[0]!.rootpage
    const [stale, indexed] = [await rootPage('products_substrings_stale'), await rootPage('products_substrings_docsize')]
    const walFile = `${sqlitePath(config)}-wal`
    const before = readFileSync(walFile).length
    await insertTestProduct(db, { name: 'Walnut lamp', description: null, price_cents: 100, quantity: 1, owner_id: ownerId }, [])
    // The search has the writer index the new row first.
    t.assert.strictEqual(await countProducts(db, { text: searchText('walnut') }), (await scanned(db, 'walnut')).length)
    const pages = walPages(readFileSync(walFile), before)
    t.assert.ok(pages.includes(indexed), 'the catch-up is in the WAL')
    t.assert.ok(!pages.includes(stale), `pages written: ${pages.join(', ')}`)
  })

  it('holds the rows that were there when its migration ran', async (t: TestContext) => {
    const { db, config } = await testDb(t, 'sqlite')
    await migrateDownThrough(db, config, '2026_12_07_0022_add_product_substring_index')
    await seed(db)
    await migrateToLatest(db, config)
    await assertFindsAsScan(t, db, 'migrated')
  })
})

/** The page numbers of the WAL's frames from byte `from` on (a frame: 24 bytes of header, then the page). */
function walPages (wal: Buffer, from: number): number[] {
  const pageSize = wal.readUInt32BE(8)
  const pages: number[] = []
  const frameSize = 24 + pageSize
  for (let offset = Math.max(from, 32); offset + frameSize <= wal.length; offset += frameSize) {
    pages.push(wal.readUInt32BE(offset))
  }
  return pages
}
