import { PostgresAdapter, sql, type Kysely } from 'kysely'

// On SQLite, ids are INTEGER PRIMARY KEY (the rowid), which an FTS5 table can use as its content rowid.
export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  const now = isPostgres ? sql`now()` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
  const timestamp = isPostgres ? 'timestamptz' : 'text'
  const bigint = isPostgres ? 'bigint' : 'integer'

  await db.schema.createTable('products')
    .addColumn('id', bigint, (col) => isPostgres
      ? col.primaryKey().generatedByDefaultAsIdentity()
      : col.primaryKey().autoIncrement())
    .addColumn('name', 'varchar(100)', (col) => col.notNull())
    .addColumn('description', 'varchar(500)')
    .addColumn('price_cents', bigint, (col) => col.notNull().check(sql`price_cents > 0`))
    .addColumn('quantity', 'integer', (col) => col.notNull().check(sql`quantity >= 0`))
    .addColumn('owner_id', bigint, (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('created_at', timestamp, (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', timestamp, (col) => col.notNull().defaultTo(now))
    .execute()
  // Each sort key with id as its tiebreak, the owner (and its cascade), and in_stock.
  await db.schema.createIndex('products_name_idx').on('products').columns(['name', 'id']).execute()
  await db.schema.createIndex('products_price_idx').on('products').columns(['price_cents', 'id']).execute()
  await db.schema.createIndex('products_created_at_idx').on('products').columns(['created_at', 'id']).execute()
  await db.schema.createIndex('products_owner_idx').on('products').columns(['owner_id', 'id']).execute()
  await db.schema.createIndex('products_quantity_idx').on('products').columns(['quantity', 'id']).execute()

  await db.schema.createTable('product_tags')
    .addColumn('product_id', bigint, (col) => col.notNull().references('products.id').onDelete('cascade'))
    .addColumn('tag', 'varchar(30)', (col) => col.notNull())
    .addColumn('position', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('product_tags_pkey', ['product_id', 'tag'])
    .execute()
  // `tag=` looks tags up first and joins the products by id.
  await db.schema.createIndex('product_tags_tag_idx').on('product_tags').columns(['tag', 'product_id']).execute()

  await db.schema.createTable('posts')
    .addColumn('id', bigint, (col) => isPostgres
      ? col.primaryKey().generatedByDefaultAsIdentity()
      : col.primaryKey().autoIncrement())
    .addColumn('title', 'varchar(200)', (col) => col.notNull())
    .addColumn('content', 'text', (col) => col.notNull())
    .addColumn('published', 'integer', (col) => col.notNull().defaultTo(1).check(sql`published in (0, 1)`))
    .addColumn('user_id', bigint, (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('created_at', timestamp, (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', timestamp, (col) => col.notNull().defaultTo(now))
    .execute()
  // What an anonymous list reads (published, by id) and what an author filter reads.
  await db.schema.createIndex('posts_published_idx').on('posts').columns(['published', 'id']).execute()
  await db.schema.createIndex('posts_user_idx').on('posts').columns(['user_id', 'id']).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('posts').execute()
  await db.schema.dropTable('product_tags').execute()
  await db.schema.dropTable('products').execute()
}
