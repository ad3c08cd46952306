import { sql, type Kysely } from 'kysely'
import { readOffLoop } from '../../db/database.js'
import { countTextMatches } from '../../db/dialect-sql.js'
import { preparedQuery, shapedQuery } from '../../db/prepared-query.js'
import type { Database } from '../../db/tables.js'
import { MAX_CENTS } from '../../lib/money.js'
import { bucketBounds, priceBucket } from './price-buckets.js'
import {
  filteredProducts, filtersOf, filterValues, hasText, isUnfiltered, listShape, productConditions, SEARCHED_COLUMNS,
  setFilters, shapeKey, textOnly, type ListShape, type ProductFilters
} from './products.filters.js'

type Db = Kysely<Database>

const allProducts = preparedQuery((db: Db) =>
  db.selectFrom('row_counts').select((eb) => eb.fn.sum<number>('count').as('count')).where('table_name', '=', 'products'))

const productsInStock = preparedQuery((db: Db) =>
  db.selectFrom('row_counts').select((eb) => eb.fn.sum<number>('count').as('count')).where('table_name', '=', 'products_in_stock'))

const productsOfTag = preparedQuery((db: Db, tag: string) =>
  db.selectFrom('tag_counts').select((eb) => eb.fn.sum<number>('count').as('count')).where('tag', '=', tag))

/** The query behind `countProducts` when no kept count answers it, unexecuted. */
export function productCountQuery (db: Db, filters: ProductFilters) {
  const text = textOnly(filters)
  const matches = text === undefined ? undefined : countTextMatches(db, 'products', SEARCHED_COLUMNS, text)
  if (matches !== undefined) return db.selectNoFrom(matches.as('count'))
  if (hasText(filters)) return indexedCount(db, filters)
  const plan = countPlan(filters)
  if (plan.kind === 'indexed') return indexedCount(db, filtersOf(plan.shape, ...plan.args))
  const [tag, ...bounds] = plan.args
  return bucketedCount(db, plan.tagged ? tag : undefined, ...bounds)
}

/**
 * How a total without text and without a kept count is counted: a price range, with a
 * tag or without, from its buckets (when it spans more than one); anything else over
 * the index that serves its filters. The query's shape and its arguments.
 */
type CountPlan =
  | { kind: 'indexed', shape: ListShape, args: [string, number, number] }
  | { kind: 'buckets', tagged: boolean, args: [string, number, number, number, number, number, number] }

function countPlan (filters: ProductFilters): CountPlan {
  const { tag, minCents, maxCents } = filters
  if (!holdsTagAndPriceOnly(filters) || (minCents === undefined && maxCents === undefined)) {
    return { kind: 'indexed', shape: listShape(filters), args: filterValues(filters) }
  }
  const min = minCents ?? 0
  const max = maxCents ?? MAX_CENTS
  const low = priceBucket(min)
  const high = priceBucket(max)
  if (low >= high) return { kind: 'indexed', shape: listShape({ tag, minCents: min, maxCents: max }), args: [tag ?? '', min, max] }
  return { kind: 'buckets', tagged: tag !== undefined, args: [tag ?? '', min, max, bucketBounds(low)[1], bucketBounds(high)[0], low, high] }
}

const indexedCounts = shapedQuery(shapeKey, (shape: ListShape) =>
  (db: Db, tag: string, min: number, max: number) => indexedCount(db, filtersOf(shape, tag, min, max)))

const bucketedCounts = shapedQuery(String, (tagged: boolean) =>
  (db: Db, tag: string, min: number, max: number, lowEnd: number, highStart: number, low: number, high: number) =>
    bucketedCount(db, tagged ? tag : undefined, min, max, lowEnd, highStart, low, high))

/** True when `filters` narrow by nothing but a tag and a price range, which tag rows carry. */
function holdsTagAndPriceOnly (filters: ProductFilters): boolean {
  return !hasText(filters) && filters.inStock === undefined
}

/**
 * A count of what `filters` let through, over the index that serves them: a tag with at
 * most a price range on its own rows, without reading the products.
 */
function indexedCount (db: Db, filters: ProductFilters) {
  if (filters.tag !== undefined && holdsTagAndPriceOnly(filters)) {
    return db.selectFrom('product_tags').where('product_tags.tag', '=', filters.tag)
      .where((eb) => eb.and(productConditions(db, filters, 'product_tags.price_cents')))
      .select((eb) => eb.fn.countAll<number>().as('count'))
  }
  return filteredProducts(db, filters).select((eb) => eb.fn.countAll<number>().as('count'))
}

/**
 * The total of a price range from `min` to `max` that spans the buckets from `low` to
 * `high`, with a tag or without: the buckets wholly inside it (kept by the triggers of
 * migration 0014) plus the index entries of the two buckets at its ends (up to `lowEnd`,
 * from `highStart`), rather than every index entry in the range.
 */
function bucketedCount (
  db: Db, tag: string | undefined, min: number, max: number,
  lowEnd: number, highStart: number, low: number, high: number
) {
  const entries = (minCents: number, maxCents: number) => indexedCount(db, { tag, minCents, maxCents })
  const inside = db.selectFrom('price_counts').where('tag', '=', tag ?? '').where('bucket', '>', low).where('bucket', '<', high)
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('count'), sql.lit(0)).as('count'))
  const ends = sql<number>`(${entries(min, lowEnd)}) + (${entries(highStart, max)})`
  return db.selectNoFrom(sql<number>`${ends} + (${inside})`.as('count'))
}

/** The one filter among `filters` that is set, with its value, or undefined. */
function soleFilter (filters: ProductFilters): [keyof ProductFilters, unknown] | undefined {
  const set = setFilters(filters)
  return set.length === 1 ? set[0] : undefined
}

async function keptCount (db: Db, filters: ProductFilters): Promise<number | undefined> {
  if (isUnfiltered(filters)) return Number((await allProducts.executeTakeFirst(db))?.count ?? 0)
  const [name, value] = soleFilter(filters) ?? []
  if (name === 'tag') return Number((await productsOfTag.executeTakeFirst(db, value as string))?.count ?? 0)
  if (name !== 'inStock') return undefined
  const inStock = Number((await productsInStock.executeTakeFirst(db))?.count ?? 0)
  return value === true ? inStock : Number((await allProducts.executeTakeFirst(db))?.count ?? 0) - inStock
}

/**
 * How many products `filters` let through, exactly. With no filter, a tag alone or
 * `in_stock` alone, the sums that the triggers of migrations 0008 and 0011 keep; with
 * others, a count over the index that serves them.
 */
export async function countProducts (db: Db, filters: ProductFilters): Promise<number> {
  const kept = await keptCount(db, filters)
  if (kept !== undefined) return kept
  // A search's total reads every match (1.2 ms for a word in one product of twelve).
  if (hasText(filters)) return Number((await readOffLoop(db, productCountQuery(db, filters)))[0]?.count ?? 0)
  const plan = countPlan(filters)
  const row = plan.kind === 'indexed'
    ? await indexedCounts(plan.shape).executeTakeFirst(db, ...plan.args)
    : await bucketedCounts(plan.tagged).executeTakeFirst(db, ...plan.args)
  return Number(row?.count ?? 0)
}
