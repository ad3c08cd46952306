import type { Kysely, SelectQueryBuilder } from 'kysely'
import { readOffLoop } from '../../db/database.js'
import { containsTextIndexed, rowOffset, searchText } from '../../db/dialect-sql.js'
import { shapedQuery } from '../../db/prepared-query.js'
import type { Database, PostRow, UserRow } from '../../db/tables.js'

type Db = Kysely<Database>

/** Who is looking, and what they asked for. */
export interface PostFilters {
  viewer: Pick<UserRow, 'id' | 'role'> | null
  authorId?: number
  text?: string
}

// The posts the viewer may see (`canSeePost`, as SQL) narrowed by the rest of `filters`:
// one rule for every page and total.
function applyPostFilters<O> (
  db: Db, query: SelectQueryBuilder<Database, 'posts', O>, { viewer, authorId, text }: PostFilters
): SelectQueryBuilder<Database, 'posts', O> {
  if (viewer === null) query = query.where('posts.published', '=', 1)
  else if (viewer.role !== 'admin') {
    query = query.where((eb) => eb.or([eb('posts.published', '=', 1), eb('posts.user_id', '=', viewer.id)]))
  }
  if (authorId !== undefined) query = query.where('posts.user_id', '=', authorId)
  if (searches(text)) query = query.where(containsTextIndexed(db, 'posts', ['title', 'content'], searchText(text)))
  return query
}

// An empty `q` searches for nothing.
function searches (text: string | undefined): text is string {
  return text !== undefined && text !== ''
}

// What decides the text of a list's queries but a search; the ids are the prepared queries' arguments.
interface ListShape {
  viewer: 'anonymous' | UserRow['role']
  byAuthor: boolean
}

function listShape ({ viewer, authorId }: PostFilters): ListShape {
  return { viewer: viewer?.role ?? 'anonymous', byAuthor: authorId !== undefined }
}

function shapeKey ({ viewer, byAuthor }: ListShape): string {
  return `${viewer} ${String(byAuthor)}`
}

// The filters of `shape` holding these ids (placeholders, while a query is built).
function filtersOf ({ viewer, byAuthor }: ListShape, viewerId: number, authorId: number): PostFilters {
  return { viewer: viewer === 'anonymous' ? null : { id: viewerId, role: viewer }, authorId: byAuthor ? authorId : undefined }
}

// The arguments of a shape's prepared queries: an id the shape does not use is ignored.
function filterIds ({ viewer, authorId }: PostFilters): [number, number] {
  return [viewer?.id ?? 0, authorId ?? 0]
}

const visiblePosts = (db: Db, filters: PostFilters) => applyPostFilters(db, db.selectFrom('posts').selectAll('posts'), filters)
const visibleCount = (db: Db, filters: PostFilters) =>
  applyPostFilters(db, db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('count')), filters)

// Lists without a search are built and compiled by Kysely once per shape.
const shapedPage = shapedQuery(shapeKey, (shape: ListShape) =>
  (db: Db, viewerId: number, authorId: number, offset: number, limit: number) =>
    visiblePosts(db, filtersOf(shape, viewerId, authorId)).orderBy('id').offset(offset).limit(limit))
const shapedPageAfter = shapedQuery(shapeKey, (shape: ListShape) =>
  (db: Db, viewerId: number, authorId: number, afterId: number, limit: number) =>
    visiblePosts(db, filtersOf(shape, viewerId, authorId)).where('posts.id', '>', afterId).orderBy('id').limit(limit))
const shapedCount = shapedQuery(shapeKey, (shape: ListShape) =>
  (db: Db, viewerId: number, authorId: number) => visibleCount(db, filtersOf(shape, viewerId, authorId)))

/** One v1 page, by id ascending. */
export async function listPosts (db: Db, filters: PostFilters, offset: number, limit: number): Promise<PostRow[]> {
  if (searches(filters.text)) return await visiblePosts(db, filters).orderBy('id').offset(rowOffset(offset)).limit(limit).execute()
  return await shapedPage(listShape(filters)).execute(db, ...filterIds(filters), rowOffset(offset), limit)
}

/** The keyset page after `afterId` (by id ascending), for cursor pagination. */
export async function listPostsAfter (
  db: Db, filters: Omit<PostFilters, 'text'>, afterId: number, limit: number
): Promise<PostRow[]> {
  return await shapedPageAfter(listShape(filters)).execute(db, ...filterIds(filters), afterId, limit)
}

export async function countPosts (db: Db, filters: PostFilters): Promise<number> {
  // A search's total reads every match: off the event loop, as a product search's.
  const rows = searches(filters.text)
    ? await readOffLoop(db, visibleCount(db, filters))
    : await shapedCount(listShape(filters)).execute(db, ...filterIds(filters))
  return Number(rows[0]?.count ?? 0)
}
