import { PostgresAdapter, sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  const now = isPostgres ? sql`now()` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
  await db.schema.createTable('users')
    .addColumn('id', isPostgres ? 'bigint' : 'integer', (col) => isPostgres
      ? col.primaryKey().generatedByDefaultAsIdentity()
      : col.primaryKey().autoIncrement())
    .addColumn('name', 'varchar(100)', (col) => col.notNull())
    // Stored lower-cased, so a plain unique index makes e-mails unique case-insensitively.
    .addColumn('email', 'varchar(320)', (col) => col.notNull().unique())
    .addColumn('hashed_password', 'text', (col) => col.notNull())
    .addColumn('age', 'integer')
    .addColumn('role', 'varchar(16)', (col) => col.notNull().defaultTo('user').check(sql`role in ('user', 'admin')`))
    .addColumn('is_active', 'integer', (col) => col.notNull().defaultTo(1).check(sql`is_active in (0, 1)`))
    .addColumn('created_at', isPostgres ? 'timestamptz' : 'text', (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', isPostgres ? 'timestamptz' : 'text', (col) => col.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('users_name_idx').on('users').columns(['name', 'id']).execute()
  await db.schema.createIndex('users_created_at_idx').on('users').columns(['created_at', 'id']).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('users').execute()
}
