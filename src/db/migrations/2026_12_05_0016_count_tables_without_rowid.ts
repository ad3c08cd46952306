import { PostgresAdapter, sql, type Kysely } from 'kysely'

/** The tables of kept counts (migrations 0008, 0011, 0014 and 0015). */
const COUNT_TABLES = ['row_counts', 'tag_counts', 'price_counts', 'stock_price_counts']

/**
 * On SQLite, the tables of kept counts become WITHOUT ROWID tables: their rows live in
 * their primary key's b-tree. A rowid table kept the key in an index of its own, so a
 * sum read each index entry and then its row in the table: a tag's 196 buckets in stock
 * took 31 µs, and each trigger's increment found its row twice. Now 8 µs. PostgreSQL
 * tables have no rowid.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await rebuildAll(db, (definition) => `${definition} without rowid`)
}

export async function down (db: Kysely<any>): Promise<void> {
  await rebuildAll(db, (definition) => definition.replace(/\s+without rowid\s*$/i, ''))
}

/**
 * Each table made anew from its own definition, changed by `change`, in one transaction.
 * The triggers that write these tables name them in their bodies, which SQLite reads
 * when they run: the legacy rename leaves those bodies alone (the modern one checks each
 * body as it renames, and fails while the old table is gone).
 */
async function rebuildAll (db: Kysely<any>, change: (definition: string) => string): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  await db.transaction().execute(async (trx) => {
    // A setting of the connection, not of the transaction: it must not outlive a failure.
    await sql`pragma legacy_alter_table = on`.execute(trx)
    try {
      for (const table of COUNT_TABLES) {
        const { rows } = await sql<{ sql: string }>`select sql from sqlite_schema where type = 'table' and name = ${table}`.execute(trx)
        const definition = rows[0]?.sql
        if (definition === undefined) throw new Error(`table ${table} is missing`)
        const renamed = definition.replace(/^create table (if not exists )?"?[a-z_]+"?/i, `create table "new_${table}"`)
        await sql.raw(change(renamed)).execute(trx)
        await sql.raw(`insert into "new_${table}" select * from "${table}"`).execute(trx)
        await sql.raw(`drop table "${table}"`).execute(trx)
        await sql.raw(`alter table "new_${table}" rename to "${table}"`).execute(trx)
      }
    } finally {
      await sql`pragma legacy_alter_table = off`.execute(trx)
    }
  })
}
