import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely'

/** As in migration 0008: PostgreSQL sessions spread their increments over this many rows. */
const SLOTS = 16

/** A price's bucket, as migration 0014 computes it (migrations freeze what they use). */
function bucketOf (column: string, isPostgres: boolean): RawBuilder<number> {
  const text = isPostgres ? `${column}::text` : column
  return sql.raw(`length(${text}) * 100 + cast(substr(${text}, 1, 2) as integer)`)
}

// Exact totals of `in_stock` with a tag or a price range: tag rows carry their product's stock, as
// their price, and `stock_price_counts` counts what is in stock as `price_counts` counts it all.
export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.alterTable('product_tags').addColumn('in_stock', 'integer', (col) => col.notNull().defaultTo(0)).execute()
  await sql`update product_tags set in_stock = 1 where product_id in (select id from products where quantity > 0)`.execute(db)
  await db.schema.createTable('stock_price_counts')
    .addColumn('tag', 'varchar(30)', (col) => col.notNull())
    .addColumn('bucket', 'integer', (col) => col.notNull())
    .addColumn('slot', 'integer', (col) => col.notNull())
    .addColumn('count', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('stock_price_counts_pkey', ['tag', 'bucket', 'slot'])
    .execute()
  const bucket = bucketOf('price_cents', isPostgres)
  await sql`insert into stock_price_counts (tag, bucket, slot, count)
    select '', ${bucket}, 0, count(*) from products where quantity > 0 group by ${bucket}`.execute(db)
  await sql`insert into stock_price_counts (tag, bucket, slot, count)
    select tag, ${bucket}, 0, count(*) from product_tags where in_stock = 1 group by tag, ${bucket}`.execute(db)
  if (isPostgres) await createPostgresTriggers(db)
  else await createSqliteTriggers(db)
}

async function createSqliteTriggers (db: Kysely<any>): Promise<void> {
  await sql`create trigger product_tags_take_stock after insert on product_tags
    when new.in_stock is not (select quantity > 0 from products where id = new.product_id) begin
    update product_tags set in_stock = (select quantity > 0 from products where id = new.product_id)
      where product_id = new.product_id and tag = new.tag;
  end`.execute(db)
  await sql`create trigger product_tags_follow_stock after update of quantity on products
    when (old.quantity > 0) <> (new.quantity > 0) begin
    update product_tags set in_stock = (new.quantity > 0) where product_id = new.id;
  end`.execute(db)
  // `when` is the row's stock: a row counts only while it is in stock.
  const add = (tag: string, row: 'new' | 'old', inStock: string, change: 1 | -1): string => `
    insert into stock_price_counts (tag, bucket, slot, count)
      select ${tag}, ${bucketOf(`${row}.price_cents`, false).compile(db).sql}, 0, ${change} where ${inStock}
      on conflict (tag, bucket, slot) do update set count = count + ${change};`
  const products = (row: 'new' | 'old') => `${row}.quantity > 0`
  await sql.raw(`create trigger products_stock_price_count_insert after insert on products
    begin ${add("''", 'new', products('new'), 1)} end`).execute(db)
  await sql.raw(`create trigger products_stock_price_count_delete after delete on products
    begin ${add("''", 'old', products('old'), -1)} end`).execute(db)
  await sql.raw(`create trigger products_stock_price_count_update after update of price_cents, quantity on products
    when old.price_cents is not new.price_cents or (old.quantity > 0) <> (new.quantity > 0)
    begin ${add("''", 'old', products('old'), -1)} ${add("''", 'new', products('new'), 1)} end`).execute(db)
  const tagRow = (row: 'new' | 'old') => `${row}.in_stock = 1`
  await sql.raw(`create trigger product_tags_stock_price_count_insert after insert on product_tags
    begin ${add('new.tag', 'new', tagRow('new'), 1)} end`).execute(db)
  await sql.raw(`create trigger product_tags_stock_price_count_delete after delete on product_tags
    begin ${add('old.tag', 'old', tagRow('old'), -1)} end`).execute(db)
  await sql.raw(`create trigger product_tags_stock_price_count_update after update of tag, price_cents, in_stock on product_tags
    when old.tag is not new.tag or old.price_cents is not new.price_cents or old.in_stock is not new.in_stock
    begin ${add('old.tag', 'old', tagRow('old'), -1)} ${add('new.tag', 'new', tagRow('new'), 1)} end`).execute(db)
}

async function createPostgresTriggers (db: Kysely<any>): Promise<void> {
  await sql`create function product_tags_take_stock() returns trigger language plpgsql as $$
  begin
    new.in_stock := (select (quantity > 0)::integer from products where id = new.product_id);
    return new;
  end $$`.execute(db)
  await sql`create trigger product_tags_take_stock before insert on product_tags
    for each row execute function product_tags_take_stock()`.execute(db)
  await sql`create function product_tags_follow_stock() returns trigger language plpgsql as $$
  begin
    update product_tags set in_stock = (new.quantity > 0)::integer where product_id = new.id;
    return null;
  end $$`.execute(db)
  await sql`create trigger product_tags_follow_stock after update of quantity on products
    for each row when ((old.quantity > 0) <> (new.quantity > 0)) execute function product_tags_follow_stock()`.execute(db)
  const slot = sql.lit(SLOTS)
  // As in migration 0014, with only the rows in stock.
  const follow = (name: string, tag: (rows: string) => string, inStock: (rows: string) => string) => {
    const counted = (rows: string, change: 1 | -1) => sql.raw(`select ${tag(rows)} as tag,
      ${bucketOf(`${rows}.price_cents`, true).compile(db).sql} as bucket, ${change} as change from ${rows} where ${inStock(rows)}`)
    const add = (rows: RawBuilder<unknown>) => sql`
      insert into stock_price_counts (tag, bucket, slot, count)
        select tag, bucket, pg_backend_pid() % ${slot}, sum(change) from (${rows}) as changes
        group by tag, bucket having sum(change) <> 0
        on conflict (tag, bucket, slot) do update set count = stock_price_counts.count + excluded.count;`
    return sql`create function ${sql.raw(name)}() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        ${add(counted('inserted', 1))}
      elsif tg_op = 'DELETE' then
        ${add(counted('deleted', -1))}
      else
        ${add(sql`${counted('before_rows', -1)} union all ${counted('after_rows', 1)}`)}
      end if;
      return null;
    end $$`
  }
  await follow('products_stock_price_counts_follow', () => "''::varchar", (rows) => `${rows}.quantity > 0`).execute(db)
  await follow('product_tags_stock_price_counts_follow', (rows) => `${rows}.tag`, (rows) => `${rows}.in_stock = 1`).execute(db)
  for (const [table, fn] of FOLLOWERS) {
    await sql.raw(`create trigger ${table}_stock_price_count_insert after insert on ${table} referencing new table as inserted
      for each statement execute function ${fn}()`).execute(db)
    await sql.raw(`create trigger ${table}_stock_price_count_delete after delete on ${table} referencing old table as deleted
      for each statement execute function ${fn}()`).execute(db)
    await sql.raw(`create trigger ${table}_stock_price_count_update after update on ${table}
      referencing old table as before_rows new table as after_rows
      for each statement execute function ${fn}()`).execute(db)
  }
}

const FOLLOWERS = [['products', 'products_stock_price_counts_follow'], ['product_tags', 'product_tags_stock_price_counts_follow']] as const

export async function down (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  const on = (table: string) => isPostgres ? ` on ${table}` : ''
  for (const [table, fn] of FOLLOWERS) {
    for (const change of ['insert', 'delete', 'update']) await sql.raw(`drop trigger ${table}_stock_price_count_${change}${on(table)}`).execute(db)
    if (isPostgres) await sql.raw(`drop function ${fn}()`).execute(db)
  }
  await sql.raw(`drop trigger product_tags_follow_stock${on('products')}`).execute(db)
  await sql.raw(`drop trigger product_tags_take_stock${on('product_tags')}`).execute(db)
  if (isPostgres) {
    await sql`drop function product_tags_follow_stock()`.execute(db)
    await sql`drop function product_tags_take_stock()`.execute(db)
  }
  await db.schema.dropTable('stock_price_counts').execute()
  await db.schema.alterTable('product_tags').dropColumn('in_stock').execute()
}
