import { PostgresAdapter, sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  const now = isPostgres ? sql`now()` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
  const timestamp = isPostgres ? 'timestamptz' : 'text'
  await db.schema.createTable('jobs')
    .addColumn('id', isPostgres ? 'bigint' : 'integer', (col) => isPostgres
      ? col.primaryKey().generatedByDefaultAsIdentity()
      : col.primaryKey().autoIncrement())
    .addColumn('type', 'varchar(100)', (col) => col.notNull())
    // JSON as text: the same column type and the same code on both dialects.
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('status', 'varchar(16)', (col) => col.notNull().defaultTo('queued')
      .check(sql`status in ('queued', 'running', 'done', 'failed')`))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer')
    .addColumn('run_at', timestamp, (col) => col.notNull().defaultTo(now))
    .addColumn('locked_by', 'varchar(200)')
    .addColumn('locked_until', timestamp)
    .addColumn('last_error', 'text')
    .addColumn('created_at', timestamp, (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', timestamp, (col) => col.notNull().defaultTo(now))
    .addColumn('finished_at', timestamp)
    .execute()
  // The claim looks for queued jobs that are due and for running jobs whose lease ended.
  await db.schema.createIndex('jobs_status_run_at_idx').on('jobs').columns(['status', 'run_at']).execute()
  await db.schema.createIndex('jobs_status_locked_until_idx').on('jobs').columns(['status', 'locked_until']).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('jobs').execute()
}
