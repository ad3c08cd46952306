import { PostgresAdapter, sql, type Expression, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely'
import { DROP_VALUE_SAMPLES } from './sqlite-connection.js'

// The only place that knows SQLite from PostgreSQL at query time.

export function isPostgres (db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

/** `%`, `_` and `\` in user input match themselves. */
export function escapeLike (text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/** Case-insensitive "column contains text", with `text` taken literally. */
export function containsText (db: Kysely<any>, column: string, text: string): Expression<SqlBool> {
  const pattern = `%${escapeLike(text)}%`
  // SQLite's LIKE is case-insensitive already; PostgreSQL needs ILIKE. SQLite would plan
  // its statement again for each pattern bound to a bare `?`; `+?` is the same text.
  return isPostgres(db)
    ? sql<SqlBool>`${sql.ref(column)} ilike ${pattern} escape '\\'`
    : sql<SqlBool>`${sql.ref(column)} like +${pattern} escape '\\'`
}

/** Tables with a search index (migration 0006), and the columns it covers. */
export interface SearchIndexes {
  products: 'name' | 'description'
  posts: 'title' | 'content'
  users: 'name' | 'email'
}

const INDEXED_COLUMNS: { [T in keyof SearchIndexes]: Array<SearchIndexes[T]> } = {
  products: ['name', 'description'],
  posts: ['title', 'content'],
  users: ['name', 'email']
}

// Trigrams: a shorter text has none, so neither index can narrow the search.
const MIN_INDEXED_LENGTH = 3

/**
 * `containsText` over several columns of `table`, through its search index when `text`
 * has 3 characters or more: on PostgreSQL, ILIKE itself uses the pg_trgm GIN indexes; on
 * SQLite, the FTS5 trigram table answers, as a quoted phrase (so every character of
 * `text` is literal). Trigram folding is Unicode-aware, so on SQLite `É` matches `é`
 * there too. Shorter texts fall back to the LIKE scan.
 *
 * With `walkOrder`, SQLite is kept from looking the matches up by id, so a sorted page
 * walks its sort's index and tests the rows it meets: for a word in one product of
 * twelve, the first page reads a few hundred index entries instead of fetching and
 * sorting every match. For a rare word it is the other way round; the caller, knowing
 * how many rows match, chooses. See `walkedRowContains` for the test.
 */
export function containsTextIndexed<T extends keyof SearchIndexes> (
  db: Kysely<any>, table: T, columns: Array<SearchIndexes[T]>, text: string, walkOrder = false
): Expression<SqlBool> {
  if (!usesFts5(db, text)) return containsTextScanned(db, table, columns, text)
  if (walkOrder) return walkedRowContains(db, table, columns, text)
  return sql<SqlBool>`${sql.ref(`${table}.id`)} in (${fts5Matches(table, columns, text, sql`rowid`)})`
}

function containsTextScanned (db: Kysely<any>, table: string, columns: string[], text: string): Expression<SqlBool> {
  const tests = columns.map((column) => containsText(db, `${table}.${column}`, text))
  return tests.length === 1 ? tests[0]! : sql<SqlBool>`(${sql.join(tests, sql` or `)})`
}

// Characters whose case LIKE and the search index fold alike: the index folds every
// letter of Unicode (the Kelvin sign matches `k`), LIKE only ASCII's.
const ASCII = /^\p{ASCII}*$/u

/**
 * The test of one row met on a walk of the sort's index. The search index's own test
 * (`id in (matches)`) first collects every match, 1.8 ms for a word in one product of
 * twelve over 100 000: a page of twenty rows costs that much however few rows it meets.
 * Where `text` and the row's columns are ASCII, LIKE finds exactly what the index finds,
 * in about a microsecond a row; rows with other characters still ask the index (a unary
 * `+` keeps the planner from looking matches up by id), which collects its matches only
 * if the walk meets one.
 */
function walkedRowContains<T extends keyof SearchIndexes> (
  db: Kysely<any>, table: T, columns: Array<SearchIndexes[T]>, text: string
): Expression<SqlBool> {
  const matches = sql<SqlBool>`+${sql.ref(`${table}.id`)} in (${fts5Matches(table, columns, text, sql`rowid`)})`
  if (!ASCII.test(text)) return matches
  // length counts characters, octet_length bytes: equal only for ASCII (and NULL, coalesced).
  const asciiRow = columns.map((column) => {
    const value = sql.ref(`${table}.${column}`)
    return sql`coalesce(length(${value}) = octet_length(${value}), true)`
  })
  return sql<SqlBool>`case when ${sql.join(asciiRow, sql` and `)} then ${containsTextScanned(db, table, columns, text)} else ${matches} end`
}

function usesFts5 (db: Kysely<any>, text: string): boolean {
  return !isPostgres(db) && [...text].length >= MIN_INDEXED_LENGTH
}

/**
 * `select <what> from <table>_fts where it matches text`, as a quoted phrase of the columns.
 * A column filter costs a tenth of a search's time even when it names every column the
 * index has, so it is written only when it leaves one out.
 */
function fts5Matches<T extends keyof SearchIndexes> (
  table: T, columns: Array<SearchIndexes[T]>, text: string, what: RawBuilder<unknown>
): RawBuilder<unknown> {
  const fts = sql.table(`${table}_fts`)
  const quoted = `"${text.replaceAll('"', '""')}"`
  const everyColumn = INDEXED_COLUMNS[table].every((column) => columns.includes(column))
  const phrase = everyColumn ? quoted : `{${columns.join(' ')}} : ${quoted}`
  return sql`select ${what} from ${fts} where ${fts} match ${phrase}`
}

/**
 * `containsTextIndexed` for one page by id ascending when text is the only filter. On
 * SQLite the FTS5 index hands rowids over in ascending order, so the page's ids come
 * straight from it and the search stops after `offset + limit` matches instead of
 * collecting every match first. The page query must then take no OFFSET of its own: it
 * is applied here. Undefined where there is no such shortcut.
 */
export function textMatchPageIds<T extends keyof SearchIndexes> (
  db: Kysely<any>, table: T, columns: Array<SearchIndexes[T]>, text: string, offset: number, limit: number
): Expression<SqlBool> | undefined {
  if (!usesFts5(db, text)) return undefined
  const ids = fts5Matches(table, columns, text, sql`rowid`)
  return sql<SqlBool>`${sql.ref(`${table}.id`)} in (${ids} order by rowid limit ${limit} offset ${rowOffset(offset)})`
}

/**
 * The number of rows containing `text` when it is the only filter, from the FTS5 index
 * alone on SQLite. Undefined elsewhere.
 */
export function countTextMatches<T extends keyof SearchIndexes> (
  db: Kysely<any>, table: T, columns: Array<SearchIndexes[T]>, text: string
): RawBuilder<number> | undefined {
  if (!usesFts5(db, text)) return undefined
  return sql<number>`(${fts5Matches(table, columns, text, sql`count(*)`)})`
}

/**
 * An OFFSET both drivers can bind. Page and skip have no upper bound in the contract, but
 * better-sqlite3 refuses a non-integer-sized number and PostgreSQL a value past int8; an
 * offset past 2^53 − 1 rows is past every row anyway, so it is capped there.
 */
export function rowOffset (offset: number): number {
  return Math.min(offset, Number.MAX_SAFE_INTEGER)
}

/** Whether `readThrough` can name the index a query reads. */
export function takesIndexHints (db: Kysely<any>): boolean {
  return !isPostgres(db)
}

/**
 * `table` read through `index` (in rowid order when undefined), for a page that walks an
 * order and checks each row: SQLite's `INDEXED BY` or `NOT INDEXED`, because its planner
 * cannot know that the filters let most rows through, and collects and sorts them all
 * instead. Undefined on PostgreSQL, whose planner takes no hint and weighs its statistics.
 */
export function readThrough<T extends string> (db: Kysely<any>, table: T, index: string | undefined): T | undefined {
  if (!takesIndexHints(db)) return undefined
  const hint = index === undefined ? sql`not indexed` : sql`indexed by ${sql.id(index)}`
  // Kysely takes the raw table expression as it is; typed as the table it names.
  return sql`${sql.table(table)} ${hint}` as unknown as T
}

/** True for a unique-constraint violation from either driver. */
export function isUniqueViolation (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/**
 * The database clock plus `ms`, as a value for a timestamp column. The database's clock,
 * not this process's, so that leases agree across hosts. SQLite's text timestamps use
 * the same ISO 8601 form as the column defaults, so they compare as strings.
 */
export function nowPlus (db: Kysely<any>, ms = 0): RawBuilder<string> {
  return isPostgres(db)
    ? sql<string>`now() + cast(${ms} as double precision) * interval '1 millisecond'`
    : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`${ms < 0 ? '' : '+'}${ms / 1000} seconds`})`
}

/**
 * Locks the selected rows and skips rows that another transaction has locked, so that
 * concurrent claimers never wait for or take the same row. SQLite has one writer at a
 * time and no row locks, so a single statement is atomic there already.
 */
export function forUpdateSkipLocked<DB, TB extends keyof DB, O> (
  db: Kysely<any>, query: SelectQueryBuilder<DB, TB, O>
): SelectQueryBuilder<DB, TB, O> {
  return isPostgres(db) ? query.forUpdate().skipLocked() : query
}

/**
 * Settings for loading many rows on this connection (`agora seed`). SQLite's default 2 MB
 * page cache makes every index insert into a large table a read from disk; up to 1 GB
 * (taken as pages are used) keeps a million products' indexes in memory. A larger WAL
 * between checkpoints writes a page changed by many batches back once, not once per
 * checkpoint; NORMAL (still safe in WAL mode) skips the fsync per commit. A transaction
 * of 200 000 rows changes most pages of the indexes: its sub-journal goes to a temporary
 * file, not memory (a million products took 3.9 GB). PostgreSQL's buffers are the
 * server's business.
 */
export async function prepareBulkLoad (db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return
  await sql`pragma cache_size = -1048576`.execute(db)
  await sql`pragma temp_store = FILE`.execute(db)
  await sql`pragma wal_autocheckpoint = 20000`.execute(db)
  await sql`pragma synchronous = NORMAL`.execute(db)
}

/**
 * Leaves SQLite's indexes as queries want them after a bulk load. Each search index is
 * merged into one segment: rows inserted a batch at a time leave several (nine for
 * 100 000 seeded products), and a search reads each trigram's doclist from every one of
 * them (`q=walnut` served 450 req/s, 560–580 merged). Then the planner gets
 * statistics (without them it guesses wrong indexes); `pragma optimize` on close
 * refreshes them. PostgreSQL's autovacuum does both itself.
 */
export async function finishBulkLoad (db: Kysely<any>, onStep?: (step: string) => void): Promise<void> {
  if (isPostgres(db)) return
  for (const table of Object.keys(INDEXED_COLUMNS)) {
    onStep?.(`merging the search index of ${table}`)
    const fts = `${table}_fts`
    await sql`insert into ${sql.table(fts)}(${sql.ref(fts)}) values ('optimize')`.execute(db)
  }
  onStep?.('gathering the planner\'s statistics')
  await analyze(db)
}

/** Statistics for a database that has none yet (see `finishBulkLoad`). */
export async function analyzeIfNeverAnalyzed (db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return
  // A select, not raw SQL: the driver sends raw SQL to the write connection, whose thread
  // the server need not wait for at every start.
  const stat = await db.selectFrom('sqlite_schema').select('name').where('name', '=', 'sqlite_stat1').executeTakeFirst()
  if (stat === undefined) await analyze(db)
}

/** SQLite's per-index averages, without the samples that cost a plan per call (`DROP_VALUE_SAMPLES`). */
async function analyze (db: Kysely<any>): Promise<void> {
  await sql`analyze`.execute(db)
  await sql.raw(DROP_VALUE_SAMPLES).execute(db)
}
