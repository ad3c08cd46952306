import { PostgresAdapter, sql, type Kysely } from 'kysely'

// The tables whose unfiltered lists show an exact total. Frozen here.
const COUNTED = ['users', 'products']

// PostgreSQL sessions spread their increments over this many rows, so that inserts do not queue on one.
const SLOTS = 16

// Counts kept by triggers in the transaction of every insert and delete (cascades included), so
// that an exact `total` is a lookup, not a scan. SQLite has one writer, so one slot per table.
export async function up (db: Kysely<any>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.createTable('row_counts')
    .addColumn('table_name', 'varchar(63)', (col) => col.notNull())
    .addColumn('slot', 'integer', (col) => col.notNull())
    .addColumn('count', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('row_counts_pkey', ['table_name', 'slot'])
    .execute()
  if (isPostgres) {
    // Statement-level: a batch insert is one update.
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
