import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Frozen here: a later change of what `q` searches is a new migration, not an edit of this list.
const SEARCHED: Array<{ table: string, columns: string[] }> = [
  { table: 'products', columns: ['name', 'description'] },
  { table: 'posts', columns: ['title', 'content'] },
  { table: 'users', columns: ['name', 'email'] }
]

// A quoted trigram MATCH is a case-insensitive substring match for 3 characters or more.
async function upSqlite (db: Kysely<any>): Promise<void> {
  for (const { table, columns } of SEARCHED) {
    const fts = `${table}_fts`
    const list = columns.join(', ')
    const newValues = columns.map((c) => `new.${c}`).join(', ')
    const oldValues = columns.map((c) => `old.${c}`).join(', ')
    await sql.raw(`create virtual table ${fts} using fts5(${list}, content='${table}', content_rowid='id', tokenize='trigram')`).execute(db)
    await sql.raw(`create trigger ${fts}_insert after insert on ${table} begin
      insert into ${fts}(rowid, ${list}) values (new.id, ${newValues});
    end`).execute(db)
    await sql.raw(`create trigger ${fts}_delete after delete on ${table} begin
      insert into ${fts}(${fts}, rowid, ${list}) values ('delete', old.id, ${oldValues});
    end`).execute(db)
    // Only when a searched column changes: a price or version bump leaves the index alone.
    await sql.raw(`create trigger ${fts}_update after update of ${list} on ${table} begin
      insert into ${fts}(${fts}, rowid, ${list}) values ('delete', old.id, ${oldValues});
      insert into ${fts}(rowid, ${list}) values (new.id, ${newValues});
    end`).execute(db)
    await sql.raw(`insert into ${fts}(${fts}) values ('rebuild')`).execute(db)
  }
}

// Extensions are per database and each Agora schema's search_path holds only itself, so pg_trgm
// goes to `public` and the indexes name its operator class there.
async function upPostgres (db: Kysely<any>): Promise<void> {
  // Schemas migrating at once race on it despite "if not exists" (23505 or 42710); the
  // block's handler rolls back only itself, not the migration.
  await sql`do $$ begin
    create extension if not exists pg_trgm schema public;
  exception when unique_violation or duplicate_object then null;
  end $$`.execute(db)
  for (const { table, columns } of SEARCHED) {
    for (const column of columns) {
      await sql`create index ${sql.id(`${table}_${column}_trgm_idx`)} on ${sql.id(table)} using gin (${sql.id(column)} public.gin_trgm_ops)`.execute(db)
    }
  }
}

export async function up (db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) await upPostgres(db)
  else await upSqlite(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  for (const { table, columns } of SEARCHED) {
    if (isPostgres) {
      for (const column of columns) await db.schema.dropIndex(`${table}_${column}_trgm_idx`).execute()
    } else {
      for (const suffix of ['insert', 'delete', 'update']) await sql.raw(`drop trigger ${table}_fts_${suffix}`).execute(db)
      await sql.raw(`drop table ${table}_fts`).execute(db)
    }
  }
  // pg_trgm stays: it is shared by every schema of the database.
}
