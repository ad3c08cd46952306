import { sql, type Expression, type Kysely, type SqlBool } from 'kysely'
import { containsTextIndexed, readThrough, type SearchText } from '../../db/dialect-sql.js'
import type { Database } from '../../db/tables.js'

type Db = Kysely<Database>

/** What `q` searches. */
export const SEARCHED_COLUMNS: Array<'name' | 'description'> = ['name', 'description']

/** What a product list may be narrowed by; prices in cents, `tag` normalised, `text` from `searchText`. */
export interface ProductFilters {
  text?: SearchText
  tag?: string
  minCents?: number
  maxCents?: number
  inStock?: boolean
}

export interface ProductOrder {
  column: 'name' | 'price_cents' | 'created_at'
  direction: 'asc' | 'desc'
}

/** The conditions of `filters` but the tag, prices read from `priceColumn`; `walkOrder`: see `containsTextIndexed`. */
export function productConditions (
  db: Db, filters: ProductFilters, priceColumn: string, walkOrder = false
): Array<Expression<SqlBool>> {
  const { minCents, maxCents, inStock } = filters
  const conditions: Array<Expression<SqlBool>> = []
  if (hasText(filters)) conditions.push(containsTextIndexed(db, 'products', SEARCHED_COLUMNS, filters.text, walkOrder))
  if (minCents !== undefined) conditions.push(sql<SqlBool>`${sql.ref(priceColumn)} >= ${minCents}`)
  if (maxCents !== undefined) conditions.push(sql<SqlBool>`${sql.ref(priceColumn)} <= ${maxCents}`)
  if (inStock !== undefined) conditions.push(inStock ? sql<SqlBool>`products.quantity > 0` : sql<SqlBool>`products.quantity = 0`)
  return conditions
}

/**
 * The products `filters` let through, unordered: one rule for every page and total. A tag
 * is read through its rows, which carry the price (migration 0009), so that their index
 * answers a tag with a price range, and its order by price, on its own.
 */
export function filteredProducts (db: Db, filters: ProductFilters, walkOrder = false) {
  if (filters.tag === undefined) {
    return db.selectFrom('products').where((eb) => eb.and(productConditions(db, filters, 'products.price_cents', walkOrder)))
  }
  return db.selectFrom('product_tags')
    .innerJoin('products', 'products.id', 'product_tags.product_id')
    .where('product_tags.tag', '=', filters.tag)
    .where((eb) => eb.and(productConditions(db, filters, 'product_tags.price_cents', walkOrder)))
}

const SORT_INDEXES: Record<ProductOrder['column'], string> = {
  name: 'products_name_idx',
  price_cents: 'products_price_idx',
  created_at: 'products_created_at_idx'
}

const TAG_SORT_INDEXES: Record<ProductOrder['column'], string> = {
  name: 'product_tags_tag_name_idx',
  price_cents: 'product_tags_tag_price_idx',
  created_at: 'product_tags_tag_created_at_idx'
}

// Where a walk reads its order: a tag's own rows, else the products (by id, in rowid order without an index).
type WalkPath = {
  index: string | undefined
  column: string
} & ({ table: 'product_tags', tag: string } | { table: 'products' })

function walkPath ({ tag }: ProductFilters, order: ProductOrder | undefined): WalkPath {
  if (tag !== undefined) {
    return order === undefined
      ? { table: 'product_tags', tag, index: 'product_tags_tag_idx', column: 'product_id' }
      : { table: 'product_tags', tag, index: TAG_SORT_INDEXES[order.column], column: order.column }
  }
  return order === undefined
    ? { table: 'products', index: undefined, column: 'id' }
    : { table: 'products', index: SORT_INDEXES[order.column], column: order.column }
}

/**
 * The matches of `filters` among the first `window` rows of `order` (by id when none), read
 * through the index that gives it and checked row by row, with the id that breaks ties.
 * Undefined where the database takes no index hint (`readThrough`).
 */
export function walkedProducts (db: Db, filters: ProductFilters, order: ProductOrder | undefined, window: number) {
  const path = walkPath(filters, order)
  const source = readThrough(db, path.table, path.index)
  if (source === undefined) return undefined
  const bounded = walkBound(db, source, path, order, window)
  if (path.table === 'product_tags') {
    const rows = db.selectFrom(source as 'product_tags').innerJoin('products', 'products.id', 'product_tags.product_id')
      .where('product_tags.tag', '=', path.tag)
      .where((eb) => eb.and([...productConditions(db, filters, 'product_tags.price_cents', true), bounded]))
    return { rows, id: idColumn(filters) }
  }
  const rows = db.selectFrom(source as 'products')
    .where((eb) => eb.and([...productConditions(db, filters, 'products.price_cents', true), bounded]))
  return { rows, id: sql.ref<number>('products.id') }
}

// Where a walk stops: before the value of its order's first column at row `window` of the
// index, so that matches bunched far along it cannot make one page read most of the table.
// With fewer rows, no bound: in SQLite a blob sorts after every number and text, -9e999 before.
function walkBound (db: Db, source: string, path: WalkPath, order: ProductOrder | undefined, window: number) {
  const column = sql.ref(`${path.table}.${path.column}`)
  // Typed as the products: the tag rows' source takes the same clauses.
  let boundary = db.selectFrom(source as 'products').select(column.as('bound'))
  if (path.table === 'product_tags') boundary = boundary.where(sql.ref('product_tags.tag'), '=', path.tag)
  boundary = boundary.orderBy(column, order?.direction ?? 'asc').offset(sql<number>`${window} - 1`).limit(1)
  return order?.direction === 'desc'
    ? sql<SqlBool>`${column} > coalesce((${boundary}), -9e999)`
    : sql<SqlBool>`${column} < coalesce((${boundary}), x'')`
}

/** The column a sort reads: the tag row's copy when the list goes through a tag, so that its index gives the order. */
export function sortColumn (filters: ProductFilters, order: ProductOrder): string {
  return `${filters.tag === undefined ? 'products' : 'product_tags'}.${order.column}`
}

/** The id column a list is ordered by last; the tag row's through a tag, as in `sortColumn`. */
export function idColumn (filters: ProductFilters) {
  return sql.ref<number>(filters.tag === undefined ? 'products.id' : 'product_tags.product_id')
}

/** The text of filters that hold nothing else: the case the search index can answer alone. */
export function textOnly (filters: ProductFilters): SearchText | undefined {
  const { text, ...others } = filters
  return hasText(filters) && Object.values(others).every((value) => value === undefined) ? filters.text : undefined
}

/** What decides the text of a list's queries but a search; the filters' values are the prepared queries' arguments. */
export interface ListShape {
  tag: boolean
  min: boolean
  max: boolean
  inStock: boolean | undefined
  order: ProductOrder | undefined
}

export function listShape (filters: ProductFilters, order?: ProductOrder): ListShape {
  const { tag, minCents, maxCents, inStock } = filters
  return { tag: tag !== undefined, min: minCents !== undefined, max: maxCents !== undefined, inStock, order }
}

export function shapeKey ({ tag, min, max, inStock, order }: ListShape): string {
  return `${String(tag)} ${String(min)} ${String(max)} ${String(inStock)} ${order?.column ?? ''} ${order?.direction ?? ''}`
}

/** The filters of `shape` holding these values (placeholders, while a query is built). */
export function filtersOf (shape: ListShape, tag: string, minCents: number, maxCents: number): ProductFilters {
  return {
    tag: shape.tag ? tag : undefined,
    minCents: shape.min ? minCents : undefined,
    maxCents: shape.max ? maxCents : undefined,
    inStock: shape.inStock
  }
}

/** The arguments of a shape's prepared queries: a filter that is not set gets a value it ignores. */
export function filterValues ({ tag, minCents, maxCents }: ProductFilters): [string, number, number] {
  return [tag ?? '', minCents ?? 0, maxCents ?? 0]
}

/** The arguments of a search's prepared queries; without a search, values they ignore. */
export function searchValues (text: SearchText | undefined): [pattern: string, phrase: string, token: string] {
  return text === undefined ? ['', '', ''] : [text.pattern, text.phrase, text.token]
}

/** Whether `filters` search for a text (an empty `q` gives none: `toProductFilters`). */
export function hasText (filters: ProductFilters): filters is ProductFilters & { text: SearchText } {
  return filters.text !== undefined
}

/** The filters that narrow the list: an empty value narrows nothing. */
function setFilters (filters: ProductFilters): Array<[keyof ProductFilters, unknown]> {
  return (Object.entries(filters) as Array<[keyof ProductFilters, unknown]>).filter(([, value]) => value !== undefined && value !== '')
}

export function isUnfiltered (filters: ProductFilters): boolean {
  return setFilters(filters).length === 0
}
