import { sql, type Kysely } from 'kysely'
import { carriedTotal } from '../../db/carried-total.js'
import {
  opaqueToPlanner, rowOffset, searchFactsKey, takesIndexHints, textMatchPageIds, type SearchFacts
} from '../../db/dialect-sql.js'
import { preparedQuery, shapedQuery } from '../../db/prepared-query.js'
import type { Database, ProductRow } from '../../db/tables.js'
import {
  filteredProducts, filtersOf, filterValues, hasText, idColumn, isUnfiltered, listShape, searchValues, SEARCHED_COLUMNS,
  shapeKey, sortColumn, textOnly, walkedProducts, type ListShape, type ProductFilters, type ProductOrder
} from './products.filters.js'
import { withTags, type ProductWithTags } from './products.repository.js'
import { countProducts, hasKeptTotal, keptTotal } from './products.totals.js'

type Db = Kysely<Database>

/** The query behind `listProducts`, unexecuted (the query-plan tests explain it); `window`: see `walkedProducts`. */
export function productPageQuery (
  db: Db, filters: ProductFilters, order: ProductOrder | undefined, offset: number, limit: number, window?: number
) {
  const text = textOnly(filters)
  const pageIds = text === undefined || order !== undefined ? undefined : textMatchPageIds(db, 'products', SEARCHED_COLUMNS, text, offset, limit)
  if (pageIds !== undefined) return db.selectFrom('products').selectAll('products').where(pageIds).orderBy('id').limit(limit)
  // Ties go by id in the order's direction, so that an index read backwards gives a descending page unsorted.
  const direction = order?.direction ?? 'asc'
  const walked = window === undefined ? undefined : walkedProducts(db, filters, order, window)
  if (walked !== undefined) {
    let query = walked.rows.selectAll('products')
    if (order !== undefined) query = query.orderBy(sql.ref(sortColumn(filters, order)), direction)
    return query.orderBy(walked.id, direction).offset(offset).limit(limit)
  }
  let query = filteredProducts(db, filters).selectAll('products')
  if (order !== undefined) query = query.orderBy(sql.ref(sortColumn(filters, order)), direction)
  return query.orderBy(idColumn(filters), direction).offset(offset).limit(limit)
}

// A page whose total is kept (`hasKeptTotal`) carries it (carried-total.ts).
type PageRow = ProductRow & { total?: number | string }

// What decides a filtered page's SQL: the filters set, the facts of its search text, and whether it walks.
interface PageShape { shape: ListShape, search: SearchFacts | undefined, walk: boolean }

// Compiled once per shape, a search too: building and compiling a sorted search's query for each
// request cost about a quarter of its CPU (README, "Searches prepared by the kind of their text").
const filteredPage = shapedQuery(
  ({ shape, search, walk }: PageShape) => `${shapeKey(shape)} ${search === undefined ? '-' : searchFactsKey(search)} ${String(walk)}`,
  ({ shape, search, walk }) => (
    db: Db, pattern: string, phrase: string, token: string, tag: string, minCents: number, maxCents: number,
    window: number, offset: number, limit: number
  ) => {
    const text = search === undefined ? undefined : { facts: search, pattern, phrase, token }
    const filters = { ...filtersOf(shape, tag, minCents, maxCents), text }
    const page = productPageQuery(db, filters, shape.order, offset, limit, walk ? window : undefined)
    return walk || !hasKeptTotal(filters) ? page : page.select(keptTotal(db, filters).as('total'))
  })

/** One v1 page: by `order` and then id when given, else by id ascending; `window`: see `walkedProducts`. */
export async function listProducts (
  db: Db, filters: ProductFilters, order: ProductOrder | undefined, offset: number, limit: number, window?: number
): Promise<Array<ProductWithTags & PageRow>> {
  const from = rowOffset(offset)
  let rows: PageRow[]
  if (order === undefined && isUnfiltered(filters)) rows = await plainPage.execute(db, from, limit)
  else {
    const walk = window !== undefined
    const page = filteredPage({ shape: listShape(filters, order), search: filters.text?.facts, walk })
    rows = await page.execute(db, ...searchValues(filters.text), ...filterValues(filters), window ?? 0, from, limit)
  }
  return rows.map(withTags)
}

// How many rows of its order a page walks, or undefined where collecting and sorting every
// match is cheaper. Walking reads about (offset + limit) × products / matches rows when
// matches are spread evenly, while sorting fetches each match, several times dearer than an
// index entry; the window allows twice that, and a few rows more.
function walkWindow (matches: number, products: number, offset: number, limit: number): number | undefined {
  if (matches === 0) return undefined
  const expected = (offset + limit) * products / matches
  if (expected > 4 * matches) return undefined
  return Math.ceil(2 * expected) + 64
}

// Whether, on SQLite, the best way to a page depends on how many products match: a sorted
// search, or a filtered page whose order may come from an index its filters do not use. Not
// when the index that narrows it gives its order: a search alone by id, a tag alone, or by
// price within a tag or a price range.
function choosesWalk (db: Db, filters: ProductFilters, order: ProductOrder | undefined): boolean {
  if (!takesIndexHints(db)) return false
  if (hasText(filters)) return order !== undefined || textOnly(filters) === undefined
  const { tag, minCents, maxCents, inStock } = filters
  const ranged = minCents !== undefined || maxCents !== undefined
  const tagAlone = tag !== undefined && !ranged && inStock === undefined
  const narrowedInOrder = order !== undefined && (tagAlone || (order.column === 'price_cents' && (tag !== undefined || ranged)))
  return !isUnfiltered(filters) && !narrowedInOrder
}

/** One v1 page and the exact total of its filters. */
export async function productPage (
  db: Db, filters: ProductFilters, order: ProductOrder | undefined, offset: number, limit: number
): Promise<{ rows: ProductWithTags[], total: number }> {
  if (!choosesWalk(db, filters, order)) {
    if (hasKeptTotal(filters)) {
      const rows = await listProducts(db, filters, order, offset, limit)
      return { rows, total: await carriedTotal(rows, async () => await countProducts(db, filters)) }
    }
    const [rows, total] = await Promise.all([
      listProducts(db, filters, order, offset, limit), countProducts(db, filters)
    ])
    return { rows, total }
  }
  const [total, products] = await Promise.all([countProducts(db, filters), countProducts(db, {})])
  const window = walkWindow(total, products, offset, limit)
  if (window !== undefined) {
    const rows = await listProducts(db, filters, order, offset, limit, window)
    // Short of what the total leaves for this page: the rest lie past the window.
    if (rows.length >= Math.min(limit, total - offset)) return { rows, total }
  }
  return { rows: await listProducts(db, filters, order, offset, limit), total }
}

// The page every visitor without filters gets: compiled once, and planned once on PostgreSQL.
const plainPage = preparedQuery((db: Db, offset: number, limit: number) =>
  db.selectFrom('products').selectAll().select(keptTotal(db, {}).as('total'))
    .orderBy('id').offset(opaqueToPlanner(db, offset, 'bigint')).limit(opaqueToPlanner(db, limit, 'bigint')))

const pageAfter = preparedQuery((db: Db, afterId: number, limit: number) =>
  db.selectFrom('products').selectAll().where('id', '>', opaqueToPlanner(db, afterId, 'bigint'))
    .orderBy('id').limit(opaqueToPlanner(db, limit, 'bigint')))

/** The keyset page after `afterId` (by id ascending), for cursor pagination. */
export async function listProductsAfter (db: Db, afterId: number, limit: number): Promise<ProductWithTags[]> {
  return (await pageAfter.execute(db, afterId, limit)).map(withTags)
}
