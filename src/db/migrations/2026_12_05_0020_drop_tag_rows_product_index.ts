import type { Kysely } from 'kysely'

/**
 * Drops the index (product_id, position, tag) of migration 0009, which gave a page its
 * products' tags in order. Pages read each product's own list since migration 0010, and
 * nothing reads tag rows by product but deletes, which the primary key (product_id, tag)
 * serves. Every tag row written paid for it: a group commit of eight new products wrote
 * 65 pages with it and 63 without.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('product_tags_product_idx').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('product_tags_product_idx').on('product_tags').columns(['product_id', 'position', 'tag']).execute()
}
