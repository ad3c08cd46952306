import { PostgresAdapter, sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  const now = isPostgres ? sql`now()` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
  const timestamp = isPostgres ? 'timestamptz' : 'text'
  const bigint = isPostgres ? 'bigint' : 'integer'

  await db.schema.alterTable('users').addColumn('tokens_valid_after', bigint).execute()

  await db.schema.createTable('refresh_tokens')
    .addColumn('id', bigint, (col) => isPostgres ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement())
    .addColumn('user_id', bigint, (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('family_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('token_hash', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('expires_at', timestamp, (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull().defaultTo(now))
    .addColumn('used_at', timestamp)
    .addColumn('revoked_at', timestamp)
    .execute()
  await db.schema.createIndex('refresh_tokens_family_id_idx').on('refresh_tokens').column('family_id').execute()
  await db.schema.createIndex('refresh_tokens_user_id_idx').on('refresh_tokens').column('user_id').execute()

  await db.schema.createTable('password_resets')
    .addColumn('id', bigint, (col) => isPostgres ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement())
    .addColumn('user_id', bigint, (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('expires_at', timestamp, (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull().defaultTo(now))
    .addColumn('used_at', timestamp)
    .execute()
  await db.schema.createIndex('password_resets_user_id_idx').on('password_resets').column('user_id').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('password_resets').execute()
  await db.schema.dropTable('refresh_tokens').execute()
  await db.schema.alterTable('users').dropColumn('tokens_valid_after').execute()
}
