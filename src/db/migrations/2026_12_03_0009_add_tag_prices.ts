import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Tag rows carry their product's price, so that a tag's price range, sorted or counted, is one index range.
export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.alterTable('product_tags').addColumn('price_cents', 'bigint', (col) => col.notNull().defaultTo(0)).execute()
  await sql`update product_tags set price_cents = (select price_cents from products where products.id = product_tags.product_id)`.execute(db)
  await db.schema.createIndex('product_tags_tag_price_idx').on('product_tags').columns(['tag', 'price_cents', 'product_id']).execute()
  // A page's tags in order, from the index alone.
  await db.schema.createIndex('product_tags_product_idx').on('product_tags').columns(['product_id', 'position', 'tag']).execute()
  if (isPostgres) {
    await sql`create function product_tags_take_price() returns trigger language plpgsql as $$
    begin
      new.price_cents := (select price_cents from products where id = new.product_id);
      return new;
    end $$`.execute(db)
    await sql`create trigger product_tags_take_price before insert on product_tags
      for each row execute function product_tags_take_price()`.execute(db)
    await sql`create function product_tags_follow_price() returns trigger language plpgsql as $$
    begin
      update product_tags set price_cents = new.price_cents where product_id = new.id;
      return null;
    end $$`.execute(db)
    await sql`create trigger product_tags_follow_price after update of price_cents on products
      for each row when (old.price_cents is distinct from new.price_cents) execute function product_tags_follow_price()`.execute(db)
  } else {
    await sql`create trigger product_tags_take_price after insert on product_tags begin
      update product_tags set price_cents = (select price_cents from products where id = new.product_id)
        where product_id = new.product_id and tag = new.tag;
    end`.execute(db)
    await sql`create trigger product_tags_follow_price after update of price_cents on products
      when old.price_cents is not new.price_cents begin
      update product_tags set price_cents = new.price_cents where product_id = new.id;
    end`.execute(db)
  }
}

export async function down (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  await sql.raw(`drop trigger product_tags_follow_price${isPostgres ? ' on products' : ''}`).execute(db)
  await sql.raw(`drop trigger product_tags_take_price${isPostgres ? ' on product_tags' : ''}`).execute(db)
  if (isPostgres) {
    await sql`drop function product_tags_follow_price()`.execute(db)
    await sql`drop function product_tags_take_price()`.execute(db)
  }
  await db.schema.dropIndex('product_tags_product_idx').execute()
  await db.schema.dropIndex('product_tags_tag_price_idx').execute()
  await db.schema.alterTable('product_tags').dropColumn('price_cents').execute()
}
