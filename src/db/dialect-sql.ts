import { PostgresAdapter, sql, type Expression, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely'
import { DROP_VALUE_SAMPLES } from './sqlite-connection.js'
import { INDEXED_COLUMNS, SUBSTRING_INDEXED_COLUMNS, type SearchIndexes } from './search-indexes.js'
import { searchesBySubstring } from './search-substrings.js'

// The only place that knows SQLite from PostgreSQL at query time.

export function isPostgres (db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

/** What about a text decides how it is searched, and so the SQL of its search. */
export interface SearchFacts {
  /** 3 characters or more: the search indexes can narrow it (a shorter text has no trigram). */
  indexed: boolean
  /** 3 to 16 ASCII letters and digits: one token of a substring index (search-substrings.ts). */
  word: boolean
  /** ASCII alone, whose case LIKE folds as the search indexes do. */
  ascii: boolean
}

/**
 * A text to search for, as a search's statements take it: `facts` decide their SQL, the rest are
 * the values they bind, so that a statement built once for some facts serves every text that has
 * them (products.list.ts prepares them so).
 */
export interface SearchText {
  facts: SearchFacts
  /** The text as a LIKE pattern, its `%`, `_` and `\` taken literally. */
  pattern: string
  /** The text as one FTS5 phrase. */
  phrase: string
  /** The text lower-cased, as the substring index holds its tokens. */
  token: string
}

// Trigrams: a shorter text has none, so neither index can narrow the search.
const MIN_INDEXED_LENGTH = 3

// Characters whose case LIKE and the search index fold alike: the index folds all of
// Unicode (`É` matches `é`, the Kelvin sign `k`), LIKE only ASCII.
const ASCII = /^\p{ASCII}*$/u

/** `text` (taken literally) as the search functions below take it. */
export function searchText (text: string): SearchText {
  return {
    facts: {
      indexed: [...text].length >= MIN_INDEXED_LENGTH, word: searchesBySubstring(text), ascii: ASCII.test(text)
    },
    pattern: `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    phrase: `"${text.replaceAll('"', '""')}"`,
    token: text.toLowerCase()
  }
}

/** The facts as a key of the statements prepared for them. */
export function searchFactsKey ({ indexed, word, ascii }: SearchFacts): string {
  return `${String(indexed)} ${String(word)} ${String(ascii)}`
}

/** Case-insensitive "column matches `pattern`", a `SearchText`'s. */
export function containsPattern (db: Kysely<any>, column: string, pattern: string): Expression<SqlBool> {
  // SQLite's LIKE is case-insensitive already; it plans the statement again for each pattern
  // bound to a bare `?`, and `+?` binds the same text.
  return isPostgres(db)
    ? sql<SqlBool>`${sql.ref(column)} ilike ${pattern} escape '\\'`
    : sql<SqlBool>`${sql.ref(column)} like +${pattern} escape '\\'`
}

/**
 * Whether a column of `columns` contains the text, through the search index for 3 characters or
 * more. `walkOrder`: a sorted page tests the rows met on its sort's index instead of collecting
 * every match, which pays when many match.
 */
export function containsTextIndexed<T extends keyof SearchIndexes> (
  db: Kysely<any>, table: T, columns: Array<SearchIndexes[T]>, search: SearchText, walkOrder = false
): Expression<SqlBool> {
  if (!usesFts5(db, search)) return containsTextScanned(db, table, columns, search)
  if (walkOrder) return walkedRowContains(db, table, columns, search)
  return sql<SqlBool>`${sql.ref(`${table}.id`)} in (${fts5Matches(table, columns, search, sql`rowid`)})`
}

function containsTextScanned (
  db: Kysely<any>, table: string, columns: string[], search: SearchText
): Expression<SqlBool> {
  const tests = columns.map((column) => containsPattern(db, `${table}.${column}`, search.pattern))
  return tests.length === 1 ? tests[0]! : sql<SqlBool>`(${sql.join(tests, sql` or `)})`
}

// The index's own test collects every match before a page's first row. Where the text and the
// row are ASCII, LIKE finds the same, cheaply; other rows ask the index (the unary `+` keeps
// the planner from looking matches up by id), which collects its matches only if one is met.
function walkedRowContains<T extends keyof SearchIndexes> (
  db: Kysely<any>, table: T, columns: Array<SearchIndexes[T]>, search: SearchText
): Expression<SqlBool> {
  const matches = sql<SqlBool>`+${sql.ref(`${table}.id`)} in (${fts5Matches(table, columns, search, sql`rowid`)})`
  if (!search.facts.ascii) return matches
  // length counts characters, octet_length bytes: equal only for ASCII (and NULL, coalesced).
  const asciiRow = columns.map((column) => {
    const value = sql.ref(`${table}.${column}`)
    return sql`coalesce(length(${value}) = octet_length(${value}), true)`
  })
  return sql<SqlBool>`case when ${sql.join(asciiRow, sql` and `)} then ${containsTextScanned(db, table, columns, search)} else ${matches} end`
}

function usesFts5 (db: Kysely<any>, search: SearchText): boolean {
  return !isPostgres(db) && search.facts.indexed
}

// A column filter costs time even when it names every indexed column, so it is written
// only when it leaves one out. A word's letters and digits go to the substring index, where the
// table has one covering the columns searched (search-substrings.ts): it finds the same rows, sooner.
function fts5Matches<T extends keyof SearchIndexes> (
  table: T, columns: Array<SearchIndexes[T]>, search: SearchText, what: RawBuilder<unknown>
): RawBuilder<unknown> {
  if (bySubstrings(table, columns, search)) {
    const substrings = sql.table(`${table}_substrings`)
    return sql`select ${what} from ${substrings} where ${substrings} match ${search.phrase}`
  }
  const fts = sql.table(`${table}_fts`)
  const everyColumn = INDEXED_COLUMNS[table].every((column) => columns.includes(column))
  const phrase = everyColumn ? sql`${search.phrase}` : sql`(${`{${columns.join(' ')}} : `} || ${search.phrase})`
  return sql`select ${what} from ${fts} where ${fts} match ${phrase}`
}

/**
 * A page by id, the text the only filter: FTS5 stops after `offset + limit` matches; add no OFFSET
 * to the page. `offset`: a row offset (`rowOffset`).
 */
export function textMatchPageIds<T extends keyof SearchIndexes> (
  db: Kysely<any>, table: T, columns: Array<SearchIndexes[T]>, search: SearchText, offset: number, limit: number
): Expression<SqlBool> | undefined {
  if (!usesFts5(db, search)) return undefined
  const ids = fts5Matches(table, columns, search, sql`rowid`)
  // `+?`: in this subquery SQLite reads a bare `?` of LIMIT or OFFSET while planning, and plans
  // the statement again whenever it is bound anew (as `limit +?` in sqlite.ts).
  return sql<SqlBool>`${sql.ref(`${table}.id`)} in (${ids} order by rowid limit +${limit} offset +${offset})`
}

function bySubstrings<T extends keyof SearchIndexes> (
  table: T, columns: Array<SearchIndexes[T]>, search: SearchText
): boolean {
  const covered = SUBSTRING_INDEXED_COLUMNS[table]?.every((column) => columns.includes(column)) === true
  return covered && search.facts.word
}

/** The number of rows containing the text, the only filter, from the FTS5 index alone. */
export function countTextMatches<T extends keyof SearchIndexes> (
  db: Kysely<any>, table: T, columns: Array<SearchIndexes[T]>, search: SearchText
): RawBuilder<number> | undefined {
  if (!usesFts5(db, search)) return undefined
  // The rows of one token of the substring index, counted by FTS5's vocabulary table as it reads
  // the token's list, without a row of the query for each: 0.18 ms for `walnut` where `count(*)`
  // takes 0.41–0.45 ms. The index holds folded tokens; the tokenizer folds ASCII as lower-case does.
  if (bySubstrings(table, columns, search)) {
    const vocabulary = sql.table(`${table}_substrings_vocabulary`)
    return sql<number>`coalesce((select doc from ${vocabulary} where term = ${search.token}), 0)`
  }
  return sql<number>`(${fts5Matches(table, columns, search, sql`count(*)`)})`
}

/**
 * `value` as a parameter that PostgreSQL's planner does not read, in a statement prepared once
 * (prepared-query.ts). PostgreSQL plans a prepared statement again at every run for as long as a plan
 * made for the values at hand is estimated cheaper than its generic plan, and with a value that sizes
 * the work it always is: five ids cost less than the ten a generic plan assumes, a LIMIT of 10 less
 * than a tenth of the table. Planning was a third of PostgreSQL's time for a grouped read by id and an
 * eighth for a grouped insert. Inside a scalar subquery the value sizes no estimate, and from the sixth
 * run on, the generic plan, made once, is kept. SQLite prepares a statement once anyway (sqlite.ts).
 * `type`: the value's PostgreSQL type.
 */
export function opaqueToPlanner<T> (db: Kysely<any>, value: T, type: string): RawBuilder<T> {
  if (!isPostgres(db)) return sql<T>`${value}`
  // The outer cast keeps `any(…)` from taking the subquery for a list of rows.
  return sql<T>`(select ${value}::${sql.raw(type)})::${sql.raw(type)}`
}

/** An OFFSET both drivers can bind (the contract sets no bound): past 2^53 − 1 is past every row. */
export function rowOffset (offset: number): number {
  return Math.min(offset, Number.MAX_SAFE_INTEGER)
}

/** Whether `readThrough` can name the index a query reads. */
export function takesIndexHints (db: Kysely<any>): boolean {
  return !isPostgres(db)
}

/** `INDEXED BY index` (NOT INDEXED if undefined): SQLite's planner cannot know the filters pass most rows. */
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

/** The database clock plus `ms`, so that leases agree across hosts; on SQLite, text that sorts as the defaults do. */
export function nowPlus (db: Kysely<any>, ms = 0): RawBuilder<string> {
  return isPostgres(db)
    ? sql<string>`now() + cast(${ms} as double precision) * interval '1 millisecond'`
    : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`${ms < 0 ? '' : '+'}${ms / 1000} seconds`})`
}

/** A column of `rowsOfArrays`: its values, their PostgreSQL type, and what stands in for a null. */
interface ArrayColumn {
  values: unknown
  type: string
  orElse?: RawBuilder<unknown>
}

/**
 * PostgreSQL only: the rows of `INSERT … SELECT` made from one array a column, in the arrays' order,
 * all of them or, when `allIf` is false, none. Each array is one parameter, so the statement is the
 * same for any number of rows and is prepared once.
 */
export function rowsOfArrays (
  db: Kysely<any>, columns: Record<string, ArrayColumn>, allIf: Expression<SqlBool>
): RawBuilder<unknown> {
  const names = Object.keys(columns)
  const selected = names.map((name) => {
    const { orElse } = columns[name]!
    return orElse === undefined ? sql.ref(name) : sql`coalesce(${sql.ref(name)}, ${orElse})`
  })
  const arrays = Object.values(columns).map(({ values, type }) => opaqueToPlanner(db, values, `${type}[]`))
  return sql`select ${sql.join(selected)} from unnest(${sql.join(arrays)})
    with ordinality as given_rows(${sql.join(names.map((name) => sql.ref(name)))}, position) where ${allIf} order by position`
}

/** FOR UPDATE SKIP LOCKED: concurrent claimers never wait for or take the same row. SQLite has one writer. */
export function forUpdateSkipLocked<DB, TB extends keyof DB, O> (
  db: Kysely<any>, query: SelectQueryBuilder<DB, TB, O>
): SelectQueryBuilder<DB, TB, O> {
  return isPostgres(db) ? query.forUpdate().skipLocked() : query
}

/**
 * For `agora seed` on this connection: a page cache that holds large indexes, fewer checkpoints, no
 * fsync per commit (safe in WAL mode), and a large transaction's sub-journal in a file, not memory.
 */
export async function prepareBulkLoad (db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return
  await sql`pragma cache_size = -1048576`.execute(db)
  await sql`pragma temp_store = FILE`.execute(db)
  await sql`pragma wal_autocheckpoint = 20000`.execute(db)
  await sql`pragma synchronous = NORMAL`.execute(db)
}

/** Merges each search index into one segment (a search reads every one), then gathers the planner's statistics. */
export async function finishBulkLoad (db: Kysely<any>, onStep?: (step: string) => void): Promise<void> {
  if (isPostgres(db)) return
  const indexes = [
    ...Object.keys(INDEXED_COLUMNS).map((table) => ({ index: `${table}_fts`, step: `the search index of ${table}` })),
    ...Object.keys(SUBSTRING_INDEXED_COLUMNS).map((table) => ({ index: `${table}_substrings`, step: `the substring index of ${table}` }))
  ]
  for (const { index, step } of indexes) {
    onStep?.(`merging ${step}`)
    await sql`insert into ${sql.table(index)}(${sql.ref(index)}) values ('optimize')`.execute(db)
  }
  onStep?.('gathering the planner\'s statistics')
  await analyze(db)
}

/** Statistics for a database that has none yet (see `finishBulkLoad`). */
export async function analyzeIfNeverAnalyzed (db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return
  // A select, not raw SQL: the driver sends raw SQL to the writer thread, which the server
  // need not wait for at every start.
  const stat = await db.selectFrom('sqlite_schema').select('name').where('name', '=', 'sqlite_stat1').executeTakeFirst()
  if (stat === undefined) await analyze(db)
}

// SQLite's per-index averages, without the samples that cost a plan per call (`DROP_VALUE_SAMPLES`).
async function analyze (db: Kysely<any>): Promise<void> {
  await sql`analyze`.execute(db)
  await sql.raw(DROP_VALUE_SAMPLES).execute(db)
}
