import { PostgresAdapter, sql, type Kysely } from 'kysely'

// The database writes a product's tag rows from its `tags_json`, so that creating a product is one
// statement. With no other writer, the triggers that filled a tag row's columns go.
export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  for (const [trigger] of TAKERS) {
    await sql.raw(`drop trigger ${trigger}${isPostgres ? ' on product_tags' : ''}`).execute(db)
    if (isPostgres) await sql.raw(`drop function ${trigger}()`).execute(db)
  }
  if (isPostgres) await createPostgresTriggers(db)
  else await createSqliteTriggers(db)
}

const COLUMNS = 'product_id, tag, position, name, price_cents, in_stock, created_at'

async function createSqliteTriggers (db: Kysely<any>): Promise<void> {
  const insertTags = `insert into product_tags (${COLUMNS})
    select new.id, value, key, new.name, new.price_cents, new.quantity > 0, new.created_at from json_each(new.tags_json);`
  await sql.raw(`create trigger product_tags_from_list_insert after insert on products
    when new.tags_json <> '[]' begin ${insertTags} end`).execute(db)
  await sql.raw(`create trigger product_tags_from_list_update after update of tags_json on products
    when old.tags_json is not new.tags_json begin
    delete from product_tags where product_id = new.id;
    ${insertTags}
  end`).execute(db)
}

async function createPostgresTriggers (db: Kysely<any>): Promise<void> {
  // The tags of product `p`, with each one's position in the list (from 0).
  const insertTags = (p: string, from: string) => `insert into product_tags (${COLUMNS})
    select ${p}.id, tags.tag, tags.position - 1, ${p}.name, ${p}.price_cents, (${p}.quantity > 0)::integer, ${p}.created_at
    from ${from}jsonb_array_elements_text(${p}.tags_json::jsonb) with ordinality as tags(tag, position);`
  // Statement-level on insert: a batch of products (agora seed) is one insert of tag rows.
  await sql.raw(`create function product_tags_from_lists() returns trigger language plpgsql as $$
  begin
    ${insertTags('p', 'inserted as p cross join ')}
    return null;
  end $$`).execute(db)
  await sql`create trigger product_tags_from_list_insert after insert on products referencing new table as inserted
    for each statement execute function product_tags_from_lists()`.execute(db)
  await sql.raw(`create function product_tags_from_changed_list() returns trigger language plpgsql as $$
  begin
    delete from product_tags where product_id = new.id;
    ${insertTags('new', '')}
    return null;
  end $$`).execute(db)
  await sql`create trigger product_tags_from_list_update after update of tags_json on products
    for each row when (old.tags_json is distinct from new.tags_json) execute function product_tags_from_changed_list()`.execute(db)
}

// The triggers dropped here, as the earlier migrations made them (for `down`).
const TAKERS = [
  ['product_tags_take_price', {
    sqlite: `after insert on product_tags when new.price_cents is not (select price_cents from products where id = new.product_id) begin
      update product_tags set price_cents = (select price_cents from products where id = new.product_id)
        where product_id = new.product_id and tag = new.tag;
    end`,
    postgres: `begin
      new.price_cents := (select price_cents from products where id = new.product_id);
      return new;
    end`
  }],
  ['product_tags_take_stock', {
    sqlite: `after insert on product_tags when new.in_stock is not (select quantity > 0 from products where id = new.product_id) begin
      update product_tags set in_stock = (select quantity > 0 from products where id = new.product_id)
        where product_id = new.product_id and tag = new.tag;
    end`,
    postgres: `begin
      new.in_stock := (select (quantity > 0)::integer from products where id = new.product_id);
      return new;
    end`
  }],
  ['product_tags_take_name_and_date', {
    sqlite: `after insert on product_tags
      when new.name is not (select name from products where id = new.product_id)
        or new.created_at is not (select created_at from products where id = new.product_id) begin
      update product_tags set (name, created_at) = (select name, created_at from products where id = new.product_id)
        where product_id = new.product_id and tag = new.tag;
    end`,
    postgres: `begin
      select name, created_at into new.name, new.created_at from products where id = new.product_id;
      return new;
    end`
  }]
] as const

export async function down (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  await sql.raw(`drop trigger product_tags_from_list_update${isPostgres ? ' on products' : ''}`).execute(db)
  await sql.raw(`drop trigger product_tags_from_list_insert${isPostgres ? ' on products' : ''}`).execute(db)
  if (isPostgres) {
    await sql`drop function product_tags_from_changed_list()`.execute(db)
    await sql`drop function product_tags_from_lists()`.execute(db)
  }
  for (const [trigger, body] of TAKERS) {
    if (isPostgres) {
      await sql.raw(`create function ${trigger}() returns trigger language plpgsql as $$ ${body.postgres} $$`).execute(db)
      await sql.raw(`create trigger ${trigger} before insert on product_tags for each row execute function ${trigger}()`).execute(db)
    } else {
      await sql.raw(`create trigger ${trigger} ${body.sqlite}`).execute(db)
    }
  }
}
