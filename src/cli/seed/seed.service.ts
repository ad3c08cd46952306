import type { Kysely } from 'kysely'
import type { Database } from '../../db/tables.js'
import { finishBulkLoad, prepareBulkLoad } from '../../db/dialect-sql.js'
import { createRandom, creationTime, fakePost, fakeProduct, fakeUser, pick, type Random } from './seed.data.js'
import { insertPostBatch, insertProductBatch, insertUserBatch, listAllUserIds } from './seed.repository.js'

export interface SeedCounts {
  users: number
  products: number
  posts: number
}

export interface SeedOptions {
  /** The same seed on an empty database gives the same rows. */
  seed: number
  /** One hash for every seeded user: argon2 per user would take longer than the rest. */
  hashedPassword: string
  onProgress?: (table: keyof SeedCounts, done: number, total: number) => void
  /** Each step after the rows are in (indexes merged, statistics gathered). */
  onStep?: (step: string) => void
}

const BATCH_ROWS = 1000
// Few, large transactions: random keys touch most of an index's pages within a few thousand
// rows, and each commit writes every page it changed (README, "Design notes").
const TRANSACTION_ROWS = 200_000

async function inBatches (
  db: Kysely<Database>, total: number, report: (done: number) => void,
  insert: (trx: Kysely<Database>, from: number, count: number) => Promise<void>
): Promise<void> {
  report(0)
  for (let chunk = 0; chunk < total; chunk += TRANSACTION_ROWS) {
    const chunkEnd = Math.min(total, chunk + TRANSACTION_ROWS)
    await db.transaction().execute(async (trx) => {
      for (let from = chunk; from < chunkEnd; from += BATCH_ROWS) {
        const count = Math.min(BATCH_ROWS, chunkEnd - from)
        await insert(trx, from, count)
        report(from + count)
      }
    })
  }
}

/** Adds fake users, products and posts; products and posts belong to random users, so one must exist or be seeded. */
export async function seedDatabase (
  db: Kysely<Database>, counts: SeedCounts, options: SeedOptions
): Promise<SeedCounts> {
  const random: Random = createRandom(options.seed)
  const progress = (table: keyof SeedCounts) => (done: number) => options.onProgress?.(table, done, counts[table])
  await prepareBulkLoad(db)
  const userIds = await listAllUserIds(db)
  // Numbers after the highest id keep seeded e-mails unique across runs.
  const firstNumber = (userIds.at(-1) ?? 0) + 1
  await inBatches(db, counts.users, progress('users'), async (trx, from, count) => {
    const rows = Array.from({ length: count }, (_, i) =>
      fakeUser(random, firstNumber + from + i, options.hashedPassword, creationTime(random, from + i, counts.users)))
    userIds.push(...await insertUserBatch(trx, rows))
  })
  if (userIds.length === 0 && counts.products + counts.posts > 0) throw new Error('Products and posts need users: seed some with --users N')
  await inBatches(db, counts.products, progress('products'), async (trx, from, count) => {
    await insertProductBatch(trx, Array.from({ length: count }, (_, i) =>
      fakeProduct(random, pick(random, userIds), creationTime(random, from + i, counts.products))))
  })
  await inBatches(db, counts.posts, progress('posts'), async (trx, from, count) => {
    await insertPostBatch(trx, Array.from({ length: count }, (_, i) =>
      fakePost(random, pick(random, userIds), creationTime(random, from + i, counts.posts))))
  })
  await finishBulkLoad(db, options.onStep)
  return counts
}
