import { PostgresAdapter, sql, type Kysely } from 'kysely'

// The tables whose unfiltered lists show an exact total. Frozen here.
const COUNTED = ['users', 'products']

/**
 * PostgreSQL sessions spread their increments over this many rows per table, so that
 * concurrent inserts do not queue on one.
 */
const SLOTS = 16

/**
 * `row_counts`: the number of rows of each counted table, kept by triggers in the same
 * transaction as every insert and delete (cascades included), so that an exact `total`
 * costs a lookup instead of a scan. SQLite has one writer, so one row per table; on
 * PostgreSQL each session adds to the slot of its backend, and the total is their sum.
 */
export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.createTable('row_counts')
    .addColumn('table_name', 'varchar(63)', (col) => col.notNull())
    .addColumn('slot', 'integer', (col) => col.notNull())
    .addColumn('count', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('row_counts_pkey', ['table_name', 'slot'])
    .execute()
  if (isPostgres) {
    // Statement-level: a batch insert of 1 000 rows adds 1 000 in one update.
    await sql`create function row_counts_follow() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into row_counts (table_name, slot, count)
          select tg_table_name, pg_backend_pid() % ${sql.lit(SLOTS)}, count(*) from inserted
          on conflict (table_name, slot) do update set count = row_counts.count + excluded.count;
      else
        insert into row_counts (table_name, slot, count)
          select tg_table_name, pg_backend_pid() % ${sql.lit(SLOTS)}, -count(*) from deleted
          on conflict (table_name, slot) do update set count = row_counts.count + excluded.count;
      end if;
      return null;
    end $$`.execute(db)
  }
  for (const table of COUNTED) {
    await sql`insert into row_counts (table_name, slot, count) select ${table}, 0, count(*) from ${sql.table(table)}`.execute(db)
    if (isPostgres) {
      await sql.raw(`create trigger ${table}_count_insert after insert on ${table} referencing new table as inserted
        for each statement execute function row_counts_follow()`).execute(db)
      await sql.raw(`create trigger ${table}_count_delete after delete on ${table} referencing old table as deleted
        for each statement execute function row_counts_follow()`).execute(db)
    } else {
      await sql.raw(`create trigger ${table}_count_insert after insert on ${table} begin
        update row_counts set count = count + 1 where table_name = '${table}' and slot = 0;
      end`).execute(db)
      await sql.raw(`create trigger ${table}_count_delete after delete on ${table} begin
        update row_counts set count = count - 1 where table_name = '${table}' and slot = 0;
      end`).execute(db)
    }
  }
}

export async function down (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  for (const table of COUNTED) {
    for (const event of ['insert', 'delete']) {
      await sql.raw(`drop trigger ${table}_count_${event}${isPostgres ? ` on ${table}` : ''}`).execute(db)
    }
  }
  if (isPostgres) await sql`drop function row_counts_follow()`.execute(db)
  await db.schema.dropTable('row_counts').execute()
}
