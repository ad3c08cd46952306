import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Each product carries its tags in order, so a product or a page of them is one read, not two;
// the tag rows stay, for filtering by tag.
export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.alterTable('products').addColumn('tags_json', 'text', (col) => col.notNull().defaultTo('[]')).execute()
  if (isPostgres) {
    await sql`update products set tags_json = tags.list from (
      select product_id, json_agg(tag order by position)::text as list from product_tags group by product_id
    ) as tags where tags.product_id = products.id`.execute(db)
  } else {
    await sql`update products set tags_json = (
      select json_group_array(tag) from (select tag from product_tags where product_id = products.id order by position)
    ) where exists (select 1 from product_tags where product_id = products.id)`.execute(db)
  }
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('products').dropColumn('tags_json').execute()
}
