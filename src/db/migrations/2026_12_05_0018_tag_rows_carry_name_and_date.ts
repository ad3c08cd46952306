import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Tag rows carry their product's name and date, as its price, so that a tag's page by name or date
// reads the tag's own rows in order. A product's date never changes.
export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  for (const [column, type] of COLUMNS) {
    // PostgreSQL's triggers fill the columns before a row is checked; SQLite's after.
    await db.schema.alterTable('product_tags')
      .addColumn(column, isPostgres ? type.postgres : type.sqlite, (col) => isPostgres ? col : col.notNull().defaultTo(''))
      .execute()
    await sql.raw(`update product_tags set ${column} = (select ${column} from products where id = product_tags.product_id)`).execute(db)
    if (isPostgres) await sql.raw(`alter table product_tags alter column ${column} set not null`).execute(db)
  }
  if (isPostgres) await createPostgresTriggers(db)
  else await createSqliteTriggers(db)
  for (const [column] of COLUMNS) {
    await db.schema.createIndex(`product_tags_tag_${column}_idx`).on('product_tags').columns(['tag', column, 'product_id']).execute()
  }
  // Statistics at once: the planner would otherwise take a new index it knows nothing of over a selective one.
  await sql`analyze product_tags`.execute(db)
  if (!isPostgres) await sql`drop table if exists sqlite_stat4`.execute(db)
}

const COLUMNS = [
  ['name', { sqlite: 'varchar(100)', postgres: 'varchar(100)' }],
  ['created_at', { sqlite: 'text', postgres: 'timestamptz' }]
] as const

async function createSqliteTriggers (db: Kysely<any>): Promise<void> {
  await sql`create trigger product_tags_take_name_and_date after insert on product_tags
    when new.name is not (select name from products where id = new.product_id)
      or new.created_at is not (select created_at from products where id = new.product_id) begin
    update product_tags set (name, created_at) = (select name, created_at from products where id = new.product_id)
      where product_id = new.product_id and tag = new.tag;
  end`.execute(db)
  await sql`create trigger product_tags_follow_name after update of name on products
    when old.name is not new.name begin
    update product_tags set name = new.name where product_id = new.id;
  end`.execute(db)
}

async function createPostgresTriggers (db: Kysely<any>): Promise<void> {
  await sql`create function product_tags_take_name_and_date() returns trigger language plpgsql as $$
  begin
    select name, created_at into new.name, new.created_at from products where id = new.product_id;
    return new;
  end $$`.execute(db)
  await sql`create trigger product_tags_take_name_and_date before insert on product_tags
    for each row execute function product_tags_take_name_and_date()`.execute(db)
  await sql`create function product_tags_follow_name() returns trigger language plpgsql as $$
  begin
    update product_tags set name = new.name where product_id = new.id;
    return null;
  end $$`.execute(db)
  await sql`create trigger product_tags_follow_name after update of name on products
    for each row when (old.name is distinct from new.name) execute function product_tags_follow_name()`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  for (const [column] of COLUMNS) await db.schema.dropIndex(`product_tags_tag_${column}_idx`).execute()
  for (const [trigger, table] of [['product_tags_take_name_and_date', 'product_tags'], ['product_tags_follow_name', 'products']]) {
    await sql.raw(`drop trigger ${trigger}${isPostgres ? ` on ${table}` : ''}`).execute(db)
    if (isPostgres) await sql.raw(`drop function ${trigger}()`).execute(db)
  }
  for (const [column] of COLUMNS) await db.schema.alterTable('product_tags').dropColumn(column).execute()
}
