import { sql, type Kysely } from 'kysely'
import { nowPlus, rowsOfArrays } from '../../db/dialect-sql.js'
import { groupedInsert, groupedLookupById } from '../../db/grouped-statements.js'
import { preparedQuery } from '../../db/prepared-query.js'
import type { Database, NewProduct, ProductRow, ProductRowUpdate } from '../../db/tables.js'
import type { Caller } from '../../plugins/auth.js'
import { callersStillSignedIn, callerStillSignedIn } from '../users/users.repository.js'

type Db = Kysely<Database>

export type ProductWithTags = ProductRow & { tags: string[] }

/** A product row with its tags (migration 0010), added in place: the row is fresh from the driver, nobody else's. */
export function withTags (row: ProductRow): ProductWithTags {
  const product = row as ProductWithTags
  product.tags = JSON.parse(row.tags_json) as string[]
  return product
}

const productById = groupedLookupById('products')

export async function findProductById (db: Db, id: number): Promise<ProductWithTags | undefined> {
  const row = await productById(db, id)
  return row === undefined ? undefined : withTags(row)
}

const insertedProduct = preparedQuery((
  db: Db, name: string, description: string | null, priceCents: number, quantity: number,
  ownerId: number, tagsJson: string, createdAt: string | null, issuedAt: number
) => db.insertInto('products')
  .columns(['name', 'description', 'price_cents', 'quantity', 'owner_id', 'tags_json', 'created_at'])
  .expression(db.selectNoFrom([
    sql.val(name).as('name'),
    sql.val(description).as('description'),
    sql.val(priceCents).as('price_cents'),
    sql.val(quantity).as('quantity'),
    sql.val(ownerId).as('owner_id'),
    sql.val(tagsJson).as('tags_json'),
    sql<string>`coalesce(${createdAt}, ${nowPlus(db)})`.as('created_at')
  ]).where(callerStillSignedIn(db, ownerId, issuedAt)))
  .returningAll())

const insertedProducts = preparedQuery((
  db: Db, names: string[], descriptions: Array<string | null>, pricesCents: number[], quantities: number[],
  ownerIds: number[], tagLists: string[], createdAts: Array<string | null>, issuedAts: number[]
) => db.insertInto('products')
  .columns(['name', 'description', 'price_cents', 'quantity', 'owner_id', 'tags_json', 'created_at'])
  .expression(rowsOfArrays(db, {
    name: { values: names, type: 'varchar' },
    description: { values: descriptions, type: 'varchar' },
    price_cents: { values: pricesCents, type: 'bigint' },
    quantity: { values: quantities, type: 'integer' },
    owner_id: { values: ownerIds, type: 'bigint' },
    tags_json: { values: tagLists, type: 'text' },
    created_at: { values: createdAts, type: 'timestamptz', orElse: nowPlus(db) }
  }, callersStillSignedIn(db, ownerIds, issuedAts)))
  .returningAll())

const productInsert = groupedInsert(insertedProduct, insertedProducts)

// What a new product is made of; the database gives it the rest, and its owner is the caller.
type NewProductFields = Pick<NewProduct, 'name' | 'description' | 'price_cents' | 'quantity' | 'created_at'>

/**
 * Inserts `caller`'s product in one statement, which concurrent requests share on PostgreSQL
 * (grouped-statements.ts): the database writes its tag rows from its list (migration 0019). The same
 * statement checks that the caller is still signed in (`callerStillSignedIn`): undefined when not.
 */
export async function insertProduct (
  db: Db, caller: Caller, row: NewProductFields, tags: string[]
): Promise<ProductWithTags | undefined> {
  const { name, description = null, quantity, created_at: createdAt = null } = row
  const product = await productInsert(
    db, name, description, row.price_cents, quantity, caller.id, JSON.stringify(tags), createdAt, caller.issuedAt
  ) as ProductWithTags | undefined
  if (product === undefined) return undefined
  // In place, as in `withTags`: a spread copy of the row made each insert promote about 290 bytes
  // more into V8's old generation (README, "Memory under writes").
  product.tags = tags
  return product
}

/**
 * Applies `changes` and the tags when given (the database rewrites their rows), bumping the
 * version. With `version`, undefined means the row is gone or was changed in the meantime.
 */
export async function updateProduct (
  db: Db, id: number, changes: Omit<ProductRowUpdate, 'tags_json'>, tags: string[] | undefined, version?: number
): Promise<ProductWithTags | undefined> {
  const tagList = tags === undefined ? {} : { tags_json: JSON.stringify(tags) }
  let query = db.updateTable('products')
    .set((eb) => ({ ...changes, ...tagList, version: eb('version', '+', 1), updated_at: new Date().toISOString() }))
    .where('id', '=', id)
  if (version !== undefined) query = query.where('version', '=', version)
  const row = await query.returningAll().executeTakeFirst()
  return row === undefined ? undefined : withTags(row)
}

/** Deletes a product (its tags go by cascade); false when there was none at `version`. */
export async function deleteProduct (db: Db, id: number, version?: number): Promise<boolean> {
  let query = db.deleteFrom('products').where('id', '=', id)
  if (version !== undefined) query = query.where('version', '=', version)
  const result = await query.executeTakeFirst()
  return result.numDeletedRows > 0n
}
