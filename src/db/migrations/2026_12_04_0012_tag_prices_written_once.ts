import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Agora writes a tag row's price with the row, so SQLite's trigger rewrites only a row written
// without it. PostgreSQL's trigger sets the price before the insert, at no second write.
export async function up (db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  await sql`drop trigger product_tags_take_price`.execute(db)
  await sql`create trigger product_tags_take_price after insert on product_tags
    when new.price_cents is not (select price_cents from products where id = new.product_id) begin
    update product_tags set price_cents = (select price_cents from products where id = new.product_id)
      where product_id = new.product_id and tag = new.tag;
  end`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  await sql`drop trigger product_tags_take_price`.execute(db)
  await sql`create trigger product_tags_take_price after insert on product_tags begin
    update product_tags set price_cents = (select price_cents from products where id = new.product_id)
      where product_id = new.product_id and tag = new.tag;
  end`.execute(db)
}
