import { PostgresAdapter, sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  const now = isPostgres ? sql`now()` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
  const timestamp = isPostgres ? 'timestamptz' : 'text'
  await db.schema.createTable('idempotency_keys')
    // The scope of a key: who sent it ('user:ID' or 'ip:ADDRESS') and to which route.
    .addColumn('caller', 'varchar(100)', (col) => col.notNull())
    .addColumn('route', 'varchar(200)', (col) => col.notNull())
    .addColumn('idempotency_key', 'varchar(255)', (col) => col.notNull())
    .addColumn('request_hash', 'varchar(64)', (col) => col.notNull())
    .addColumn('state', 'varchar(16)', (col) => col.notNull().check(sql`state in ('in_progress', 'completed')`))
    // Fresh per claim: a request whose lease was taken over cannot finish or release the new claim.
    .addColumn('claim_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('locked_until', timestamp)
    .addColumn('response_status', 'integer')
    .addColumn('response_headers', 'text')
    .addColumn('response_body', 'text')
    .addColumn('expires_at', timestamp, (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['caller', 'route', 'idempotency_key'])
    .execute()
  await db.schema.createIndex('idempotency_keys_expires_at_idx').on('idempotency_keys').column('expires_at').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute()
}
