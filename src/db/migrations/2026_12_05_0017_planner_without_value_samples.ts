import { PostgresAdapter, sql, type Kysely } from 'kysely'

/**
 * Drops the samples of indexed values (`sqlite_stat4`) that SQLite's ANALYZE keeps beside
 * its per-index averages (`sqlite_stat1`). With samples, a statement comparing an indexed
 * column to a bound value is planned again each time a value is bound, and better-sqlite3
 * binds on every call. Agora picks the index of its hot queries itself (README, "How it
 * stays fast"), so the samples cost a plan per request and decided nothing. Dropping the
 * table changes the schema: every connection reloads the statistics. PostgreSQL keeps
 * its own statistics.
 */
export async function up (db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  await sql`drop table if exists sqlite_stat4`.execute(db)
}

/** ANALYZE takes the samples again. */
export async function down (db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  await sql`analyze`.execute(db)
}
