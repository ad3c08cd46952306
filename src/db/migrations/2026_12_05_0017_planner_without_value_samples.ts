import { PostgresAdapter, sql, type Kysely } from 'kysely'

// With ANALYZE's samples of indexed values, a statement comparing an indexed column to a bound
// value is planned again at each bind, that is on every call; Agora picks its hot queries'
// indexes itself, so the samples decided nothing.
export async function up (db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  await sql`drop table if exists sqlite_stat4`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  await sql`analyze`.execute(db)
}
