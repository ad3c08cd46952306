import type SQLite from 'better-sqlite3'
import { INDEXED_COLUMNS, lastIndexedId, SUBSTRING_INDEXED_COLUMNS } from './search-indexes.js'
import type { StatementCache } from './statement-cache.js'

// The writer indexes new rows some time after their commit (search-index-catch-up.ts). Before a
// statement reads a search index, the read connection asks whether the index lacks a committed
// row: the table holds an id past the last one indexed, or a row renamed since. A search then
// waits for the writer to catch up, so that it finds every row committed before it was asked for,
// whichever process wrote it.
function lagTests (sql: string): string[] {
  const tests: string[] = []
  for (const table of Object.keys(INDEXED_COLUMNS) as Array<keyof typeof INDEXED_COLUMNS>) {
    const lastRow = `(select coalesce(max(id), 0) from ${table})`
    if (sql.includes(`${table}_fts`)) tests.push(`${lastRow} > ${lastIndexedId(`${table}_fts`)}`)
    if (SUBSTRING_INDEXED_COLUMNS[table] !== undefined && sql.includes(`${table}_substrings`)) {
      tests.push(`${lastRow} > ${lastIndexedId(`${table}_substrings`)}`)
      tests.push(`exists (select 1 from ${table}_substrings_stale)`)
    }
  }
  return tests
}

/** On the read connection: the tests of whether the search indexes a statement reads lack committed rows. */
export class SearchIndexLag {
  readonly #tests = new WeakMap<SQLite.Statement, SQLite.Statement | null>()

  constructor (private readonly statements: StatementCache) {}

  /** The test for `statement`, which gives 1 when an index it reads is behind; null where it reads none. */
  testFor (statement: SQLite.Statement): SQLite.Statement | null {
    let test = this.#tests.get(statement)
    if (test === undefined) {
      const tests = lagTests(statement.source)
      test = tests.length === 0 ? null : this.statements.prepare(`select ${tests.join(' or ')}`).statement
      this.#tests.set(statement, test)
    }
    return test
  }
}
