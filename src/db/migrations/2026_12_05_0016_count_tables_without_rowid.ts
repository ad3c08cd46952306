import { PostgresAdapter, sql, type Kysely } from 'kysely'

/** The tables of kept counts (migrations 0008, 0011, 0014 and 0015). */
const COUNT_TABLES = ['row_counts', 'tag_counts', 'price_counts', 'stock_price_counts']

// In a WITHOUT ROWID table the rows live in the primary key's b-tree, so a sum or an increment
// finds each row once, not through an index and then the table.
export async function up (db: Kysely<any>): Promise<void> {
  await rebuildAll(db, (definition) => `${definition} without rowid`)
}

export async function down (db: Kysely<any>): Promise<void> {
  await rebuildAll(db, (definition) => definition.replace(/\s+without rowid\s*$/i, ''))
}

// The legacy rename leaves the bodies of the triggers naming these tables alone; the modern
// one checks each body as it renames, and fails while the old table is gone.
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
