import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely'

/** As in migration 0008: PostgreSQL sessions spread their increments over this many rows. */
const SLOTS = 16

// Digit count × 100 + first two digits (12 345 cents: 512), so buckets sort as prices do. As in
// price-buckets.ts, frozen here: migrations keep what they use.
function bucketOf (column: string, isPostgres: boolean): RawBuilder<number> {
  const text = isPostgres ? `${column}::text` : column
  return sql.raw(`length(${text}) * 100 + cast(substr(${text}, 1, 2) as integer)`)
}

// Counts per price bucket, kept as in migration 0011: a range's total is the buckets inside it plus
// the index entries of the two buckets at its ends, not every index entry in it.
export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.createTable('price_counts')
    .addColumn('tag', 'varchar(30)', (col) => col.notNull())
    .addColumn('bucket', 'integer', (col) => col.notNull())
    .addColumn('slot', 'integer', (col) => col.notNull())
    .addColumn('count', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('price_counts_pkey', ['tag', 'bucket', 'slot'])
    .execute()
  const bucket = bucketOf('price_cents', isPostgres)
  await sql`insert into price_counts (tag, bucket, slot, count)
    select '', ${bucket}, 0, count(*) from products group by ${bucket}`.execute(db)
  await sql`insert into price_counts (tag, bucket, slot, count)
    select tag, ${bucket}, 0, count(*) from product_tags group by tag, ${bucket}`.execute(db)
  if (isPostgres) await createPostgresTriggers(db)
  else await createSqliteTriggers(db)
}

async function createSqliteTriggers (db: Kysely<any>): Promise<void> {
  const add = (tag: string, row: 'new' | 'old', change: 1 | -1): string => `
    insert into price_counts (tag, bucket, slot, count) values (${tag}, ${bucketOf(`${row}.price_cents`, false).compile(db).sql}, 0, ${change})
      on conflict (tag, bucket, slot) do update set count = count + ${change};`
  await sql.raw(`create trigger products_price_count_insert after insert on products begin ${add("''", 'new', 1)} end`).execute(db)
  await sql.raw(`create trigger products_price_count_delete after delete on products begin ${add("''", 'old', -1)} end`).execute(db)
  await sql.raw(`create trigger products_price_count_update after update of price_cents on products
    when old.price_cents is not new.price_cents begin ${add("''", 'old', -1)} ${add("''", 'new', 1)} end`).execute(db)
  await sql.raw(`create trigger product_tags_price_count_insert after insert on product_tags begin ${add('new.tag', 'new', 1)} end`).execute(db)
  await sql.raw(`create trigger product_tags_price_count_delete after delete on product_tags begin ${add('old.tag', 'old', -1)} end`).execute(db)
  await sql.raw(`create trigger product_tags_price_count_update after update of tag, price_cents on product_tags
    when old.price_cents is not new.price_cents or old.tag is not new.tag begin ${add('old.tag', 'old', -1)} ${add('new.tag', 'new', 1)} end`).execute(db)
}

async function createPostgresTriggers (db: Kysely<any>): Promise<void> {
  const slot = sql.lit(SLOTS)
  // An update takes its old rows out and its new rows in, with no key needed to pair them;
  // the groups where nothing moved cancel out.
  const follow = (name: string, tag: (rows: string) => string) => {
    const counted = (rows: string, change: 1 | -1) =>
      sql.raw(`select ${tag(rows)} as tag, ${bucketOf(`${rows}.price_cents`, true).compile(db).sql} as bucket, ${change} as change from ${rows}`)
    const add = (rows: RawBuilder<unknown>) => sql`
      insert into price_counts (tag, bucket, slot, count)
        select tag, bucket, pg_backend_pid() % ${slot}, sum(change) from (${rows}) as changes
        group by tag, bucket having sum(change) <> 0
        on conflict (tag, bucket, slot) do update set count = price_counts.count + excluded.count;`
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
  await follow('products_price_counts_follow', () => "''::varchar").execute(db)
  await follow('product_tags_price_counts_follow', (rows) => `${rows}.tag`).execute(db)
  for (const [table, fn] of [['products', 'products_price_counts_follow'], ['product_tags', 'product_tags_price_counts_follow']] as const) {
    await sql.raw(`create trigger ${table}_price_count_insert after insert on ${table} referencing new table as inserted
      for each statement execute function ${fn}()`).execute(db)
    await sql.raw(`create trigger ${table}_price_count_delete after delete on ${table} referencing old table as deleted
      for each statement execute function ${fn}()`).execute(db)
    await sql.raw(`create trigger ${table}_price_count_update after update on ${table}
      referencing old table as before_rows new table as after_rows
      for each statement execute function ${fn}()`).execute(db)
  }
}

export async function down (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  for (const table of ['products', 'product_tags']) {
    for (const change of ['insert', 'delete', 'update']) {
      await sql.raw(`drop trigger ${table}_price_count_${change}${isPostgres ? ` on ${table}` : ''}`).execute(db)
    }
  }
  if (isPostgres) {
    await sql`drop function products_price_counts_follow()`.execute(db)
    await sql`drop function product_tags_price_counts_follow()`.execute(db)
  }
  await db.schema.dropTable('price_counts').execute()
}
