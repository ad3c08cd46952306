import type SQLite from 'better-sqlite3'
import { INDEXED_COLUMNS, lastIndexedId, SUBSTRING_INDEXED_COLUMNS } from './search-indexes.js'
import { substringsOf } from './search-substrings.js'
import type { StatementCache } from './statement-cache.js'

// FTS5 writes the rows it holds to a new segment of its index at every savepoint, and SQLite opens
// one for each write unit and for each statement that runs triggers. Indexed by an insert trigger,
// each new row cost a segment, and later the merges of those segments: a fifth of the writer's time
// for `POST /products`. Since migration 0021 the writer indexes new rows in a step of some commit
// after theirs (sqlite-writer-thread.ts), many in one segment; a search first waits for that step
// if the index lacks a committed row (search-index-lag.ts). Ids only grow, so the rows waiting are
// those past the last one the index holds. A search inside a write transaction does not find the
// rows it added; no route searches there.
const CATCH_UP = Object.entries(INDEXED_COLUMNS).map(([table, columns]) => ({
  tables: [table, `${table}_fts_docsize`],
  statements: [`insert into ${table}_fts(rowid, ${columns.join(', ')}) select id, ${columns.join(', ')} from ${table}
    where id > ${lastIndexedId(`${table}_fts`)}`]
}))

// The substring indexes (migration 0022) take their tokens from `substringsOf`, so their rows are
// written here, not by triggers that every connection writing the table would need the function for.
// An update has already taken its row out and marked it stale; a stale row past the last id the index
// holds is a new one, indexed with the others. The stale rows go by a `where`: a delete of a whole
// table rewrites its root page, empty or not, and so wrote one more page to the WAL at every commit.
const SUBSTRINGS_OF = 'search_substrings'
const CATCH_UP_SUBSTRINGS = Object.entries(SUBSTRING_INDEXED_COLUMNS).map(([table, columns]) => {
  const index = `${table}_substrings`
  const last = lastIndexedId(index)
  const rows = `select id, ${SUBSTRINGS_OF}(${columns.join(', ')}) from ${table}`
  return {
    tables: [table, `${index}_docsize`, `${index}_stale`],
    statements: [
      `insert into ${index}(rowid, substrings) ${rows} where id in (select id from ${index}_stale where id <= ${last})`,
      `delete from ${index}_stale where true`,
      `insert into ${index}(rowid, substrings) ${rows} where id > ${last}`
    ]
  }
})

/** Brings each search index up to date with its table: run in a write transaction, before it commits. */
export class SearchIndexCatchUp {
  #schemaVersion: unknown
  #statements: string[] = []

  constructor (database: SQLite.Database, private readonly statements: StatementCache) {
    database.function(SUBSTRINGS_OF, { deterministic: true, varargs: true }, substringsOf)
  }

  run (): void {
    // Migrations create and drop the indexes; the schema's version says when to look again.
    const schemaVersion = this.statements.value('pragma schema_version')
    if (schemaVersion !== this.#schemaVersion) {
      this.#schemaVersion = schemaVersion
      this.#statements = [...CATCH_UP, ...CATCH_UP_SUBSTRINGS]
        .filter(({ tables }) => tables.every((table) => this.#exists(table)))
        .flatMap(({ statements }) => statements)
    }
    for (const statement of this.#statements) this.statements.run(statement)
  }

  #exists (table: string): boolean {
    const sql = 'select 1 from sqlite_schema where type = \'table\' and name = ?'
    return this.statements.execute({ sql, parameters: [table] }).rows.length > 0
  }
}
