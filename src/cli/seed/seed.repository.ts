import type { Kysely } from 'kysely'
import type { Database, NewPostRow, NewProduct, NewUserRow } from '../../db/tables.js'

type Db = Kysely<Database>

// Multi-row inserts: one statement (and one round trip) per batch. Batches stay below
// SQLite's 32 766 bound parameters: 1 000 products bind 8 000.

export async function insertUserBatch (db: Db, rows: NewUserRow[]): Promise<number[]> {
  if (rows.length === 0) return []
  const inserted = await db.insertInto('users').values(rows).returning('id').execute()
  return inserted.map((row) => row.id)
}

/** Inserts products in one statement; the database writes their tag rows from their lists. */
export async function insertProductBatch (db: Db, products: Array<{ row: NewProduct, tags: string[] }>): Promise<void> {
  if (products.length === 0) return
  await db.insertInto('products').values(products.map((p) => ({ ...p.row, tags_json: JSON.stringify(p.tags) }))).execute()
}

export async function insertPostBatch (db: Db, rows: NewPostRow[]): Promise<void> {
  if (rows.length === 0) return
  await db.insertInto('posts').values(rows).execute()
}

export async function listAllUserIds (db: Db): Promise<number[]> {
  const rows = await db.selectFrom('users').select('id').orderBy('id').execute()
  return rows.map((row) => row.id)
}
