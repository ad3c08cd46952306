import { PostgresAdapter, sql, type Kysely } from 'kysely'

/** As in migration 0008: PostgreSQL sessions spread their increments over this many rows. */
const SLOTS = 16

// Exact totals, kept like migration 0008's, for the two filters a front page sends alone: a tag,
// and in stock.
export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.createTable('tag_counts')
    .addColumn('tag', 'varchar(30)', (col) => col.notNull())
    .addColumn('slot', 'integer', (col) => col.notNull())
    .addColumn('count', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('tag_counts_pkey', ['tag', 'slot'])
    .execute()
  await sql`insert into tag_counts (tag, slot, count) select tag, 0, count(*) from product_tags group by tag`.execute(db)
  await sql`insert into row_counts (table_name, slot, count) select 'products_in_stock', 0, count(*) from products where quantity > 0`.execute(db)
  if (isPostgres) await createPostgresTriggers(db)
  else await createSqliteTriggers(db)
}

async function createSqliteTriggers (db: Kysely<any>): Promise<void> {
  await sql`create trigger product_tags_count_insert after insert on product_tags begin
    insert into tag_counts (tag, slot, count) values (new.tag, 0, 1) on conflict (tag, slot) do update set count = count + 1;
  end`.execute(db)
  await sql`create trigger product_tags_count_delete after delete on product_tags begin
    update tag_counts set count = count - 1 where tag = old.tag and slot = 0;
  end`.execute(db)
  await sql`create trigger products_stock_insert after insert on products when new.quantity > 0 begin
    update row_counts set count = count + 1 where table_name = 'products_in_stock' and slot = 0;
  end`.execute(db)
  await sql`create trigger products_stock_delete after delete on products when old.quantity > 0 begin
    update row_counts set count = count - 1 where table_name = 'products_in_stock' and slot = 0;
  end`.execute(db)
  await sql`create trigger products_stock_update after update of quantity on products
    when (old.quantity > 0) <> (new.quantity > 0) begin
    update row_counts set count = count + (case when new.quantity > 0 then 1 else -1 end)
      where table_name = 'products_in_stock' and slot = 0;
  end`.execute(db)
}

async function createPostgresTriggers (db: Kysely<any>): Promise<void> {
  // Statement-level, as in migration 0008: a batch is one update per tag.
  await sql`create function tag_counts_follow() returns trigger language plpgsql as $$
  begin
    if tg_op = 'INSERT' then
      insert into tag_counts (tag, slot, count)
        select tag, pg_backend_pid() % ${sql.lit(SLOTS)}, count(*) from inserted group by tag
        on conflict (tag, slot) do update set count = tag_counts.count + excluded.count;
    else
      insert into tag_counts (tag, slot, count)
        select tag, pg_backend_pid() % ${sql.lit(SLOTS)}, -count(*) from deleted group by tag
        on conflict (tag, slot) do update set count = tag_counts.count + excluded.count;
    end if;
    return null;
  end $$`.execute(db)
  await sql`create trigger product_tags_count_insert after insert on product_tags referencing new table as inserted
    for each statement execute function tag_counts_follow()`.execute(db)
  await sql`create trigger product_tags_count_delete after delete on product_tags referencing old table as deleted
    for each statement execute function tag_counts_follow()`.execute(db)
  await sql`create function products_stock_follow() returns trigger language plpgsql as $$
  declare
    change bigint;
  begin
    if tg_op = 'INSERT' then
      select count(*) into change from inserted where quantity > 0;
    elsif tg_op = 'DELETE' then
      select -count(*) into change from deleted where quantity > 0;
    else
      select coalesce(sum(case when after_rows.quantity > 0 then 1 else -1 end), 0) into change
        from before_rows join after_rows on after_rows.id = before_rows.id
        where (before_rows.quantity > 0) <> (after_rows.quantity > 0);
    end if;
    if change <> 0 then
      insert into row_counts (table_name, slot, count) values ('products_in_stock', pg_backend_pid() % ${sql.lit(SLOTS)}, change)
        on conflict (table_name, slot) do update set count = row_counts.count + excluded.count;
    end if;
    return null;
  end $$`.execute(db)
  await sql`create trigger products_stock_insert after insert on products referencing new table as inserted
    for each statement execute function products_stock_follow()`.execute(db)
  await sql`create trigger products_stock_delete after delete on products referencing old table as deleted
    for each statement execute function products_stock_follow()`.execute(db)
  // PostgreSQL takes no column list on a trigger with transition tables: every update runs it.
  await sql`create trigger products_stock_update after update on products
    referencing old table as before_rows new table as after_rows
    for each statement execute function products_stock_follow()`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  const triggers = [
    ['product_tags_count_insert', 'product_tags'], ['product_tags_count_delete', 'product_tags'],
    ['products_stock_insert', 'products'], ['products_stock_delete', 'products'], ['products_stock_update', 'products']
  ]
  for (const [name, table] of triggers) await sql.raw(`drop trigger ${name}${isPostgres ? ` on ${table}` : ''}`).execute(db)
  if (isPostgres) {
    await sql`drop function products_stock_follow()`.execute(db)
    await sql`drop function tag_counts_follow()`.execute(db)
  }
  await sql`delete from row_counts where table_name = 'products_in_stock'`.execute(db)
  await db.schema.dropTable('tag_counts').execute()
}
