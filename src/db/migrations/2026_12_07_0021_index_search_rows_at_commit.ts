import { PostgresAdapter, sql, type Kysely } from 'kysely'

// As migration 0006 made them.
const SEARCHED: Array<{ table: string, columns: string[] }> = [
  { table: 'products', columns: ['name', 'description'] },
  { table: 'posts', columns: ['title', 'content'] },
  { table: 'users', columns: ['name', 'email'] }
]

// New rows are no longer indexed by a trigger, one FTS5 segment each, but by the write connection
// just before each commit (db/search-index-catch-up.ts): the rows past the last id the index holds.
// An update or delete takes a row out of the index by its old text, which the index must hold: so
// the rows still waiting are indexed first.
export async function up (db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  for (const { table, columns } of SEARCHED) {
    const catchUp = catchUpStatement(table, columns)
    await sql.raw(`drop trigger ${table}_fts_insert`).execute(db)
    await sql.raw(`create trigger ${table}_fts_catch_up_delete before delete on ${table} begin ${catchUp}; end`).execute(db)
    await sql.raw(`create trigger ${table}_fts_catch_up_update before update of ${columns.join(', ')} on ${table} begin ${catchUp}; end`).execute(db)
  }
}

export async function down (db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  for (const { table, columns } of SEARCHED) {
    const fts = `${table}_fts`
    await sql.raw(catchUpStatement(table, columns)).execute(db)
    await sql.raw(`drop trigger ${fts}_catch_up_delete`).execute(db)
    await sql.raw(`drop trigger ${fts}_catch_up_update`).execute(db)
    await sql.raw(`create trigger ${fts}_insert after insert on ${table} begin
      insert into ${fts}(rowid, ${columns.join(', ')}) values (new.id, ${columns.map((c) => `new.${c}`).join(', ')});
    end`).execute(db)
  }
}

function catchUpStatement (table: string, columns: string[]): string {
  const list = columns.join(', ')
  return `insert into ${table}_fts(rowid, ${list}) select id, ${list} from ${table}
    where id > (select coalesce(max(id), 0) from ${table}_fts_docsize)`
}
