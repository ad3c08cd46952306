import type { Kysely } from 'kysely'
import type { Database, NewProduct } from '../../src/db/tables.js'
import { insertProduct, type ProductWithTags } from '../../src/modules/products/products.repository.js'

type TestProduct = Pick<NewProduct, 'name' | 'description' | 'price_cents' | 'quantity' | 'owner_id' | 'created_at'>

/** A fixture: `row.owner_id`'s product, inserted as a request of theirs with a token issued now would be. */
export async function insertTestProduct (
  db: Kysely<Database>, row: TestProduct, tags: string[]
): Promise<ProductWithTags> {
  const { owner_id: ownerId, ...fields } = row
  const product = await insertProduct(db, { id: ownerId, issuedAt: Math.floor(Date.now() / 1000) }, fields, tags)
  if (product === undefined) throw new Error(`user ${ownerId} is not signed in: no product inserted`)
  return product
}
