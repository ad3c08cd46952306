import { sql, type Kysely, type RawBuilder } from 'kysely'
import { sumOfCounts } from '../../db/carried-total.js'
import { readOffLoop } from '../../db/database.js'
import { countTextMatches } from '../../db/dialect-sql.js'
import { shapedQuery } from '../../db/prepared-query.js'
import type { Database } from '../../db/tables.js'
import { MAX_CENTS } from '../../lib/money.js'
import { bucketBounds, priceBucket } from './price-buckets.js'
import {
  filteredProducts, filtersOf, filterValues, hasText, listShape, productConditions, SEARCHED_COLUMNS,
  shapeKey, textOnly, type ListShape, type ProductFilters
} from './products.filters.js'

type Db = Kysely<Database>

// The kept sums, as subqueries.
const countsOf = (db: Db) => ({
  all: () => db.selectFrom('row_counts').where('table_name', '=', 'products').select(sumOfCounts),
  inStock: () => db.selectFrom('row_counts').where('table_name', '=', 'products_in_stock').select(sumOfCounts),
  ofTag: (tag: string) => db.selectFrom('tag_counts').where('tag', '=', tag).select(sumOfCounts),
  // Every price bucket of the tag's rows in stock (migration 0015).
  ofTagInStock: (tag: string) => db.selectFrom('stock_price_counts').where('tag', '=', tag).select(sumOfCounts)
})

/** Whether sums that triggers keep give the total of `filters`: a tag, `in_stock`, both or neither. */
export function hasKeptTotal (filters: ProductFilters): boolean {
  return filters.minCents === undefined && filters.maxCents === undefined && !hasText(filters)
}

/**
 * The total of `filters` (see `hasKeptTotal`) from the sums that the triggers of migrations 0008,
 * 0011 and 0015 keep, as an expression that a page can select beside its rows.
 */
export function keptTotal (db: Db, { tag, inStock }: ProductFilters): RawBuilder<number | string> {
  const counts = countsOf(db)
  const all = tag === undefined ? counts.all() : counts.ofTag(tag)
  if (inStock === undefined) return sql`(${all})`
  const inStockOnes = tag === undefined ? counts.inStock() : counts.ofTagInStock(tag)
  // Out of stock: all but what is in stock.
  return inStock ? sql`(${inStockOnes})` : sql`(${all}) - (${inStockOnes})`
}

// The kept total alone, one statement per kind (the tag is its argument).
const keptCounts = shapedQuery(shapeKey, (shape: ListShape) => (db: Db, tag: string) =>
  db.selectNoFrom(keptTotal(db, filtersOf(shape, tag, 0, 0)).as('count')))

/** The query behind `countProducts` when no kept count answers it, unexecuted. */
export function productCountQuery (db: Db, filters: ProductFilters) {
  const text = textOnly(filters)
  const matches = text === undefined ? undefined : countTextMatches(db, 'products', SEARCHED_COLUMNS, text)
  if (matches !== undefined) return db.selectNoFrom(matches.as('count'))
  if (hasText(filters)) return indexedCount(db, filters)
  const plan = countPlan(filters)
  if (plan.kind === 'indexed') return indexedCount(db, filtersOf(plan.shape, ...plan.args))
  const [tag, ...bounds] = plan.args
  return bucketedCount(db, { tag: plan.tagged ? tag : undefined, inStock: plan.inStock }, ...bounds)
}

// How a total without text or kept count is counted: a price range spanning several buckets
// from them (with a tag, `in_stock`, both or neither), anything else over its filters' index.
type CountPlan =
  | { kind: 'indexed', shape: ListShape, args: [string, number, number] }
  | { kind: 'buckets' } & BucketShape & { args: BucketArgs }

interface BucketShape {
  tagged: boolean
  inStock: boolean | undefined
}

type BucketArgs = [tag: string, min: number, max: number, lowEnd: number, highStart: number, low: number, high: number]

function countPlan (filters: ProductFilters): CountPlan {
  const { tag, minCents, maxCents, inStock } = filters
  if (hasText(filters) || (minCents === undefined && maxCents === undefined)) {
    return { kind: 'indexed', shape: listShape(filters), args: filterValues(filters) }
  }
  const min = minCents ?? 0
  const max = maxCents ?? MAX_CENTS
  const low = priceBucket(min)
  const high = priceBucket(max)
  if (low >= high) {
    return { kind: 'indexed', shape: listShape({ tag, minCents: min, maxCents: max, inStock }), args: [tag ?? '', min, max] }
  }
  const [lowStart, lowEnd] = bucketBounds(low)
  const [highStart, highEnd] = bucketBounds(high)
  // An end bucket that the range holds whole (`min_price=20` starts one) is counted as the
  // buckets between are, and its index entries not at all: the same statement, an empty range.
  const lowWhole = min === lowStart
  const highWhole = max === highEnd
  const args: BucketArgs = [
    tag ?? '', min, max, lowWhole ? min - 1 : lowEnd, highWhole ? max + 1 : highStart,
    lowWhole ? low - 1 : low, highWhole ? high + 1 : high
  ]
  return { kind: 'buckets', tagged: tag !== undefined, inStock, args }
}

const indexedCounts = shapedQuery(shapeKey, (shape: ListShape) =>
  (db: Db, tag: string, min: number, max: number) => indexedCount(db, filtersOf(shape, tag, min, max)))

const bucketedCounts = shapedQuery(({ tagged, inStock }: BucketShape) => `${String(tagged)} ${String(inStock)}`,
  ({ tagged, inStock }) =>
    // Each argument named: a prepared query counts its placeholders by its parameters.
    (db: Db, tag: string, min: number, max: number, lowEnd: number, highStart: number, low: number, high: number) =>
      bucketedCount(db, { tag: tagged ? tag : undefined, inStock }, min, max, lowEnd, highStart, low, high))

// A tag with at most a price range and `in_stock` is counted on its own rows, which carry
// both, without reading the products.
function indexedCount (db: Db, filters: ProductFilters) {
  const { tag, inStock, ...prices } = filters
  if (tag !== undefined && !hasText(filters)) {
    let query = db.selectFrom('product_tags').where('product_tags.tag', '=', tag)
      .where((eb) => eb.and(productConditions(db, prices, 'product_tags.price_cents')))
    if (inStock !== undefined) query = query.where('product_tags.in_stock', '=', inStock ? 1 : 0)
    return query.select((eb) => eb.fn.countAll<number>().as('count'))
  }
  return filteredProducts(db, filters).select((eb) => eb.fn.countAll<number>().as('count'))
}

// The total of a range spanning buckets `low` to `high`: the kept counts of the buckets wholly
// inside it (triggers of migrations 0014 and 0015) plus the index entries of its two end
// buckets (up to `lowEnd`, from `highStart`), rather than every index entry in the range.
function bucketedCount (
  db: Db, { tag, inStock }: Pick<ProductFilters, 'tag' | 'inStock'>, min: number, max: number,
  lowEnd: number, highStart: number, low: number, high: number
) {
  const entries = (minCents: number, maxCents: number) => indexedCount(db, { tag, minCents, maxCents, inStock })
  const bucketsIn = (table: 'price_counts' | 'stock_price_counts') =>
    sql<number>`(${db.selectFrom(table).where('tag', '=', tag ?? '').where('bucket', '>', low).where('bucket', '<', high)
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('count'), sql.lit(0)).as('count'))})`
  // Out of stock: all of a bucket but what is in stock.
  const inside = inStock === undefined
    ? bucketsIn('price_counts')
    : inStock ? bucketsIn('stock_price_counts') : sql<number>`${bucketsIn('price_counts')} - ${bucketsIn('stock_price_counts')}`
  const ends = sql<number>`(${entries(min, lowEnd)}) + (${entries(highStart, max)})`
  return db.selectNoFrom(sql<number>`${ends} + ${inside}`.as('count'))
}

async function keptCount (db: Db, filters: ProductFilters): Promise<number | undefined> {
  if (!hasKeptTotal(filters)) return undefined
  return Number((await keptCounts(listShape(filters)).executeTakeFirst(db, filters.tag ?? ''))?.count ?? 0)
}

/**
 * How many products `filters` let through, exactly, without a scan where it can: the sums kept
 * by the triggers of migrations 0008, 0011 and 0015, else price buckets, else an index count.
 */
export async function countProducts (db: Db, filters: ProductFilters): Promise<number> {
  const kept = await keptCount(db, filters)
  if (kept !== undefined) return kept
  // A search's total reads every match: off the event loop.
  if (hasText(filters)) return Number((await readOffLoop(db, productCountQuery(db, filters)))[0]?.count ?? 0)
  const plan = countPlan(filters)
  const row = plan.kind === 'indexed'
    ? await indexedCounts(plan.shape).executeTakeFirst(db, ...plan.args)
    : await bucketedCounts(plan).executeTakeFirst(db, ...plan.args)
  return Number(row?.count ?? 0)
}
