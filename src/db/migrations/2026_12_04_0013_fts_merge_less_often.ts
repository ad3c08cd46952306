import { PostgresAdapter, sql, type Kysely } from 'kysely'

const FTS_TABLES = ['products_fts', 'posts_fts', 'users_fts']

/**
 * SQLite's FTS5 indexes (migration 0006) merge their segments while rows are written, by
 * default once four of a size exist. Each group commit writes a small segment, so most
 * writes also paid for a merge: about 200 of the 240 µs of SQLite work of a new product.
 * Merging once eight exist halves that work; a search reads a few more segments.
 * PostgreSQL's trigram indexes have no such setting.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await setAutomerge(db, 8)
}

export async function down (db: Kysely<any>): Promise<void> {
  await setAutomerge(db, 4)
}

async function setAutomerge (db: Kysely<any>, segments: number): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  for (const fts of FTS_TABLES) {
    await sql.raw(`insert into ${fts}(${fts}, rank) values ('automerge', ${segments})`).execute(db)
  }
}
