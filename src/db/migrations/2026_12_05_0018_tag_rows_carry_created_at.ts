import { PostgresAdapter, sql, type Kysely } from 'kysely'

/**
 * Each tag row carries its product's `created_at`, with an index (tag, created_at,
 * product_id), as it carries the price (migration 0009): a tag's page newest first reads
 * the tag's own rows in that order. It walked every product newest first and looked each
 * one's tag up (a tag of one product in seven: some 150 lookups for a page of 20), or,
 * where the tag's products were the oldest, sorted them all. A product's `created_at`
 * never changes, so the copy is written once: by Agora with the row, or here.
 */
export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  // PostgreSQL's trigger fills the column before the row is checked; SQLite's after.
  await db.schema.alterTable('product_tags')
    .addColumn('created_at', isPostgres ? 'timestamptz' : 'text', (col) => isPostgres ? col : col.notNull().defaultTo(''))
    .execute()
  await sql`update product_tags set created_at = (select created_at from products where id = product_tags.product_id)`.execute(db)
  if (isPostgres) {
    await sql`alter table product_tags alter column created_at set not null`.execute(db)
    await sql`create function product_tags_take_created_at() returns trigger language plpgsql as $$
    begin
      new.created_at := (select created_at from products where id = new.product_id);
      return new;
    end $$`.execute(db)
    await sql`create trigger product_tags_take_created_at before insert on product_tags
      for each row execute function product_tags_take_created_at()`.execute(db)
  } else {
    // Agora writes the date with the row; a row written without it gets it here.
    await sql`create trigger product_tags_take_created_at after insert on product_tags
      when new.created_at is not (select created_at from products where id = new.product_id) begin
      update product_tags set created_at = (select created_at from products where id = new.product_id)
        where product_id = new.product_id and tag = new.tag;
    end`.execute(db)
  }
  await db.schema.createIndex('product_tags_tag_created_at_idx').on('product_tags').columns(['tag', 'created_at', 'product_id']).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.dropIndex('product_tags_tag_created_at_idx').execute()
  await sql.raw(`drop trigger product_tags_take_created_at${isPostgres ? ' on product_tags' : ''}`).execute(db)
  if (isPostgres) await sql`drop function product_tags_take_created_at()`.execute(db)
  await db.schema.alterTable('product_tags').dropColumn('created_at').execute()
}
