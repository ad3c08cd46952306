import { PostgresAdapter, sql, type Kysely } from 'kysely'

const FTS_TABLES = ['products_fts', 'posts_fts', 'users_fts']

// FTS5 merges segments as rows are written, by default once four of a size exist, and each group
// commit writes a small one. Merging at eight halves that work; a search reads a few more segments.
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
