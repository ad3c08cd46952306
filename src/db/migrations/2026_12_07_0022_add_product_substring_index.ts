import { PostgresAdapter, sql, type Kysely } from 'kysely'

// A second search index of products on SQLite, beside the trigram one: the substrings of each word,
// without positions (db/search-substrings.ts). The write connection fills it before each commit, as
// it does the trigram index (migration 0021); an update or a delete takes the row out at once, and an
// updated row is marked stale, to be indexed again with its new text before the commit.
const TABLE = 'products_substrings'
const ROWS_A_BATCH = 500

export async function up (db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  await sql.raw(`create virtual table ${TABLE} using fts5(substrings, content='', contentless_delete=1, detail=none,
    tokenize='unicode61 remove_diacritics 0')`).execute(db)
  // As migration 0013 did for the trigram indexes: merge once eight segments of a size exist.
  await sql.raw(`insert into ${TABLE}(${TABLE}, rank) values ('automerge', 8)`).execute(db)
  // Each token with the number of rows holding it, read from the index when asked (no storage).
  await sql.raw(`create virtual table ${TABLE}_vocabulary using fts5vocab(${TABLE}, 'row')`).execute(db)
  await sql.raw(`create table ${TABLE}_stale (id integer primary key)`).execute(db)
  await sql.raw(`create trigger ${TABLE}_update after update of name, description on products begin
    delete from ${TABLE} where rowid = old.id;
    insert or ignore into ${TABLE}_stale (id) values (new.id);
  end`).execute(db)
  await sql.raw(`create trigger ${TABLE}_delete after delete on products begin
    delete from ${TABLE} where rowid = old.id;
    delete from ${TABLE}_stale where id = old.id;
  end`).execute(db)
  await indexExistingRows(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  await sql.raw(`drop trigger ${TABLE}_delete`).execute(db)
  await sql.raw(`drop trigger ${TABLE}_update`).execute(db)
  await sql.raw(`drop table ${TABLE}_stale`).execute(db)
  await sql.raw(`drop table ${TABLE}_vocabulary`).execute(db)
  await sql.raw(`drop table ${TABLE}`).execute(db)
}

async function indexExistingRows (db: Kysely<any>): Promise<void> {
  let after = 0
  for (;;) {
    const { rows } = await sql<{ id: number, name: string, description: string | null }>`select id, name, description
      from products where id > ${after} order by id limit ${ROWS_A_BATCH}`.execute(db)
    if (rows.length === 0) return
    const values = rows.map(({ id, name, description }) => sql`(${id}, ${substringsOf(name, description)})`)
    await sql`insert into ${sql.table(TABLE)}(rowid, substrings) values ${sql.join(values)}`.execute(db)
    after = rows[rows.length - 1]!.id
  }
}

// A copy of `substringsOf` as it was when this migration was written (migrations import nothing of
// the app): a later change of the tokens is a new migration that indexes the rows again.
function substringsOf (...texts: Array<string | null>): string {
  const substrings = new Set<string>()
  for (const text of texts) {
    if (text === null) continue
    for (const word of text.split(/[\0-/:-@[-`{-\x7f]+/)) {
      if (word.length < 3) continue
      const lower = word.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())
      const characters = /[\uD800-\uDFFF]/.test(lower) ? [...lower] : lower
      for (let start = 0; start + 3 <= characters.length; start++) {
        const end = Math.min(characters.length, start + 16)
        for (let stop = start + 3; stop <= end; stop++) {
          substrings.add(typeof characters === 'string' ? characters.slice(start, stop) : characters.slice(start, stop).join(''))
        }
      }
    }
  }
  return [...substrings].join(' ')
}
