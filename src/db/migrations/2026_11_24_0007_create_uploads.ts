import { PostgresAdapter, sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  const now = isPostgres ? sql`now()` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
  const timestamp = isPostgres ? 'timestamptz' : 'text'
  const bigint = isPostgres ? 'bigint' : 'integer'
  await db.schema.createTable('uploads')
    // Random, 144 bits in base64url: knowing one id tells nothing of another.
    .addColumn('id', 'varchar(32)', (col) => col.primaryKey())
    .addColumn('user_id', bigint, (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('filename', 'varchar(255)', (col) => col.notNull())
    .addColumn('content_type', 'varchar(100)', (col) => col.notNull())
    .addColumn('size', bigint, (col) => col.notNull().check(sql`size >= 0`))
    .addColumn('sha256', 'varchar(64)', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('uploads_user_id_idx').on('uploads').column('user_id').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('uploads').execute()
}
