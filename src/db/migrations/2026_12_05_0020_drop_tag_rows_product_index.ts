import type { Kysely } from 'kysely'

// Pages read each product's own tag list since migration 0010, and deletes by product use the
// primary key; every tag row written paid for this index.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('product_tags_product_idx').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('product_tags_product_idx').on('product_tags').columns(['product_id', 'position', 'tag']).execute()
}
