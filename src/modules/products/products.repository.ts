import { sql, type Expression, type Kysely, type SqlBool } from 'kysely'
import { containsTextIndexed, countTextMatches, rowOffset, textMatchPageIds } from '../../db/dialect-sql.js'
import { preparedQuery, shapedQuery } from '../../db/prepared-query.js'
import type { Database, NewProduct, ProductRow, ProductRowUpdate } from '../../db/tables.js'
import { MAX_CENTS } from '../../lib/money.js'
import { bucketBounds, priceBucket } from './price-buckets.js'

type Db = Kysely<Database>

export type ProductWithTags = ProductRow & { tags: string[] }

/** What `q` searches. */
const SEARCHED_COLUMNS: Array<'name' | 'description'> = ['name', 'description']

/** What a product list may be narrowed by; prices in cents, `tag` normalised. */
export interface ProductFilters {
  text?: string
  tag?: string
  minCents?: number
  maxCents?: number
  inStock?: boolean
}

export interface ProductOrder {
  column: 'name' | 'price_cents' | 'created_at'
  direction: 'asc' | 'desc'
}

/**
 * The conditions of `filters` but the tag, as expressions over `products`; prices are
 * read from `priceColumn`, which is the tag row's copy when the list goes through a tag.
 * `walkOrder`: see `containsTextIndexed`.
 */
function productConditions (
  db: Db, filters: ProductFilters, priceColumn: string, walkOrder = false
): Array<Expression<SqlBool>> {
  const { text, minCents, maxCents, inStock } = filters
  const conditions: Array<Expression<SqlBool>> = []
  if (text !== undefined && text !== '') conditions.push(containsTextIndexed(db, 'products', SEARCHED_COLUMNS, text, walkOrder))
  if (minCents !== undefined) conditions.push(sql<SqlBool>`${sql.ref(priceColumn)} >= ${minCents}`)
  if (maxCents !== undefined) conditions.push(sql<SqlBool>`${sql.ref(priceColumn)} <= ${maxCents}`)
  if (inStock !== undefined) conditions.push(inStock ? sql<SqlBool>`products.quantity > 0` : sql<SqlBool>`products.quantity = 0`)
  return conditions
}

/**
 * The products `filters` let through, unordered. Shared by the v1 pages, their `total` and
 * the v2 keyset pages, so every list applies the same rules. A tag filter goes through the
 * tag's rows, which carry the price (migration 0009): the index (tag, price_cents,
 * product_id) answers a tag with a price range, and its order by price, on its own.
 */
function filteredProducts (db: Db, filters: ProductFilters, walkOrder = false) {
  if (filters.tag === undefined) {
    return db.selectFrom('products').where((eb) => eb.and(productConditions(db, filters, 'products.price_cents', walkOrder)))
  }
  return db.selectFrom('product_tags')
    .innerJoin('products', 'products.id', 'product_tags.product_id')
    .where('product_tags.tag', '=', filters.tag)
    .where((eb) => eb.and(productConditions(db, filters, 'product_tags.price_cents', walkOrder)))
}

/** The column a sort reads: the tag row's copy of the price when the list goes through a tag. */
function sortColumn (filters: ProductFilters, order: ProductOrder): string {
  return order.column === 'price_cents' && filters.tag !== undefined ? 'product_tags.price_cents' : `products.${order.column}`
}

/**
 * The id column a list is ordered by last; the tag row's when it goes through a tag, so
 * that its index gives the order.
 */
function idColumn (filters: ProductFilters) {
  return sql.ref<number>(filters.tag === undefined ? 'products.id' : 'product_tags.product_id')
}

/**
 * A product row with its tags read from the row's own list (migration 0010). The row is
 * fresh from the driver and nobody else's: adding the field is a tenth of the cost of
 * copying the row (`{ ...row }`: 1.3 µs a product).
 */
function withTags (row: ProductRow): ProductWithTags {
  const product = row as ProductWithTags
  product.tags = JSON.parse(row.tags_json) as string[]
  return product
}

const productById = preparedQuery((db: Db, id: number) => db.selectFrom('products').selectAll().where('id', '=', id))

export async function findProductById (db: Db, id: number): Promise<ProductWithTags | undefined> {
  const row = await productById.executeTakeFirst(db, id)
  return row === undefined ? undefined : withTags(row)
}

/** The text of filters that hold nothing else: the case the search index can answer alone. */
function textOnly ({ text, ...others }: ProductFilters): string | undefined {
  return text !== undefined && text !== '' && Object.values(others).every((value) => value === undefined) ? text : undefined
}

/** The query behind `listProducts`, unexecuted (the query-plan tests explain it). */
export function productPageQuery (
  db: Db, filters: ProductFilters, order: ProductOrder | undefined, offset: number, limit: number, walkOrder = false
) {
  const text = textOnly(filters)
  const pageIds = text === undefined || order !== undefined ? undefined : textMatchPageIds(db, 'products', SEARCHED_COLUMNS, text, offset, limit)
  if (pageIds !== undefined) return db.selectFrom('products').selectAll('products').where(pageIds).orderBy('id').limit(limit)
  let query = filteredProducts(db, filters, walkOrder).selectAll('products')
  if (order !== undefined) query = query.orderBy(sql.ref(sortColumn(filters, order)), order.direction)
  return query.orderBy(idColumn(filters)).offset(offset).limit(limit)
}

/**
 * What decides the text of a list's queries but a search: which filters are set, the
 * value of `in_stock`, and the order. Their values are the prepared queries' arguments.
 */
interface ListShape {
  tag: boolean
  min: boolean
  max: boolean
  inStock: boolean | undefined
  order: ProductOrder | undefined
}

function listShape (filters: ProductFilters, order?: ProductOrder): ListShape {
  const { tag, minCents, maxCents, inStock } = filters
  return { tag: tag !== undefined, min: minCents !== undefined, max: maxCents !== undefined, inStock, order }
}

function shapeKey ({ tag, min, max, inStock, order }: ListShape): string {
  return `${String(tag)} ${String(min)} ${String(max)} ${String(inStock)} ${order?.column ?? ''} ${order?.direction ?? ''}`
}

/** The filters of `shape` holding these values (placeholders, while a query is built). */
function filtersOf (shape: ListShape, tag: string, minCents: number, maxCents: number): ProductFilters {
  return {
    tag: shape.tag ? tag : undefined,
    minCents: shape.min ? minCents : undefined,
    maxCents: shape.max ? maxCents : undefined,
    inStock: shape.inStock
  }
}

/** The arguments of a shape's prepared queries: a filter that is not set gets a value it ignores. */
function filterValues ({ tag, minCents, maxCents }: ProductFilters): [string, number, number] {
  return [tag ?? '', minCents ?? 0, maxCents ?? 0]
}

function hasText (filters: ProductFilters): boolean {
  return filters.text !== undefined && filters.text !== ''
}

// Filtered pages are built and compiled by Kysely once per shape (a search is built per
// request: its text decides the query's shape).
const filteredPage = shapedQuery(shapeKey, (shape: ListShape) =>
  (db: Db, tag: string, minCents: number, maxCents: number, offset: number, limit: number) =>
    productPageQuery(db, filtersOf(shape, tag, minCents, maxCents), shape.order, offset, limit))

/** One v1 page: sorted by `order` when given, ties (and no order) by id ascending. */
export async function listProducts (
  db: Db, filters: ProductFilters, order: ProductOrder | undefined, offset: number, limit: number, walkOrder = false
): Promise<ProductWithTags[]> {
  const from = rowOffset(offset)
  let rows: ProductRow[]
  if (order === undefined && isUnfiltered(filters)) rows = await plainPage.execute(db, from, limit)
  else if (!hasText(filters)) {
    rows = await filteredPage(listShape(filters, order)).execute(db, ...filterValues(filters), from, limit)
  } else rows = await productPageQuery(db, filters, order, from, limit, walkOrder).execute()
  return rows.map(withTags)
}

/**
 * Whether a sorted page of a search is found faster by walking the sort's index than by
 * sorting every match: walking reads about `(offset + limit) × products / matches` index
 * entries, sorting fetches each match, several times dearer than an index entry.
 */
function walksSortIndex (matches: number, products: number, offset: number, limit: number): boolean {
  return (offset + limit) * products <= 4 * matches * matches
}

/** One v1 page and the exact total of its filters. */
export async function productPage (
  db: Db, filters: ProductFilters, order: ProductOrder | undefined, offset: number, limit: number
): Promise<{ rows: ProductWithTags[], total: number }> {
  if (order === undefined || filters.text === undefined || filters.text === '') {
    const [rows, total] = await Promise.all([
      listProducts(db, filters, order, offset, limit), countProducts(db, filters)
    ])
    return { rows, total }
  }
  // A sorted search: how to find the page depends on how many products match.
  const [total, products] = await Promise.all([countProducts(db, filters), countProducts(db, {})])
  const walk = walksSortIndex(total, products, offset, limit)
  return { rows: await listProducts(db, filters, order, offset, limit, walk), total }
}

// The page every visitor without filters gets: compiled once.
const plainPage = preparedQuery((db: Db, offset: number, limit: number) =>
  db.selectFrom('products').selectAll().orderBy('id').offset(offset).limit(limit))

/** The filters that narrow the list: an empty value narrows nothing. */
function setFilters (filters: ProductFilters): Array<[keyof ProductFilters, unknown]> {
  return (Object.entries(filters) as Array<[keyof ProductFilters, unknown]>).filter(([, value]) => value !== undefined && value !== '')
}

function isUnfiltered (filters: ProductFilters): boolean {
  return setFilters(filters).length === 0
}

/** The keyset page after `afterId` (by id ascending), for cursor pagination. */
export async function listProductsAfter (
  db: Db, filters: ProductFilters, afterId: number, limit: number
): Promise<ProductWithTags[]> {
  const id = idColumn(filters)
  const query = filteredProducts(db, filters).selectAll('products').where(id, '>', afterId).orderBy(id).limit(limit)
  return (await query.execute()).map(withTags)
}

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
  return (filters.text === undefined || filters.text === '') && filters.inStock === undefined
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
  if (hasText(filters)) return Number((await productCountQuery(db, filters).executeTakeFirst())?.count ?? 0)
  const plan = countPlan(filters)
  const row = plan.kind === 'indexed'
    ? await indexedCounts(plan.shape).executeTakeFirst(db, ...plan.args)
    : await bucketedCounts(plan.tagged).executeTakeFirst(db, ...plan.args)
  return Number(row?.count ?? 0)
}

/** The tag rows of a product, with its price (which the triggers of migration 0009 keep). */
async function insertTags (db: Db, product: Pick<ProductRow, 'id' | 'price_cents'>, tags: string[]): Promise<void> {
  if (tags.length === 0) return
  const rows = tags.map((tag, position) => ({
    product_id: product.id, tag, position, price_cents: product.price_cents
  }))
  await db.insertInto('product_tags').values(rows).execute()
}

/** Inserts a product and its tags; run it in a transaction. */
export async function insertProduct (db: Db, row: NewProduct, tags: string[]): Promise<ProductWithTags> {
  const product = await db.insertInto('products').values({ ...row, tags_json: JSON.stringify(tags) }).returningAll().executeTakeFirstOrThrow()
  await insertTags(db, product, tags)
  return { ...product, tags }
}

/**
 * Applies `changes` (and replaces the tags when given), bumping the version; run it in a
 * transaction. With `version`, only a row still at that version is changed: undefined
 * then means the row is gone or was changed by someone else in the meantime.
 */
export async function updateProduct (
  db: Db, id: number, changes: Omit<ProductRowUpdate, 'tags_json'>, tags: string[] | undefined, version?: number
): Promise<ProductWithTags | undefined> {
  const tagList = tags === undefined ? {} : { tags_json: JSON.stringify(tags) }
  let query = db.updateTable('products')
    .set((eb) => ({ ...changes, ...tagList, version: eb('version', '+', 1), updated_at: new Date().toISOString() }))
    .where('id', '=', id)
  if (version !== undefined) query = query.where('version', '=', version)
  const row = await query.returningAll().executeTakeFirst()
  if (row === undefined) return undefined
  if (tags === undefined) return withTags(row)
  await db.deleteFrom('product_tags').where('product_id', '=', id).execute()
  await insertTags(db, row, tags)
  return { ...row, tags }
}

/** Deletes a product (its tags go by cascade); false when there was none at `version`. */
export async function deleteProduct (db: Db, id: number, version?: number): Promise<boolean> {
  let query = db.deleteFrom('products').where('id', '=', id)
  if (version !== undefined) query = query.where('version', '=', version)
  const result = await query.executeTakeFirst()
  return result.numDeletedRows > 0n
}
