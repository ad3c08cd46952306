import type { Kysely } from 'kysely'
import type { Database, NewProduct, PostRow } from '../../src/db/tables.js'
import { insertPost } from '../../src/modules/posts/posts.repository.js'
import { insertProduct, type ProductWithTags } from '../../src/modules/products/products.repository.js'

type TestProduct = Pick<NewProduct, 'name' | 'description' | 'price_cents' | 'quantity' | 'owner_id' | 'created_at'>

/** A fixture: `row.owner_id`'s product, inserted as a request of theirs with a token issued now would be. */
export async function insertTestProduct (
  db: Kysely<Database>, row: TestProduct, tags: string[]
): Promise<ProductWithTags> {
  const { owner_id: ownerId, ...fields } = row
  const product = await insertProduct(db, signedInNow(ownerId), fields, tags)
  if (product === undefined) throw new Error(`user ${ownerId} is not signed in: no product inserted`)
  return product
}

/** A fixture: `row.user_id`'s post (published unless said), inserted as `insertTestProduct` inserts a product. */
export async function insertTestPost (
  db: Kysely<Database>, row: { title: string, content: string, published?: number, user_id: number }
): Promise<PostRow> {
  const { user_id: userId, published = 1, ...fields } = row
  const post = await insertPost(db, signedInNow(userId), { ...fields, published })
  if (post === undefined) throw new Error(`user ${userId} is not signed in: no post inserted`)
  return post
}

function signedInNow (id: number): { id: number, issuedAt: number } {
  return { id, issuedAt: Math.floor(Date.now() / 1000) }
}
