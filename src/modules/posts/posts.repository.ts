import type { Kysely, SelectQueryBuilder } from 'kysely'
import { readOffLoop } from '../../db/database.js'
import { containsTextIndexed, rowOffset } from '../../db/dialect-sql.js'
import type { Database, NewPostRow, PostRow, PostRowUpdate, UserRow } from '../../db/tables.js'
import { isOwnerOrAdmin } from '../../plugins/auth.js'

type Db = Kysely<Database>

/** Who is looking, and what they asked for. */
export interface PostFilters {
  viewer: Pick<UserRow, 'id' | 'role'> | null
  authorId?: number
  text?: string
}

/** True when `viewer` may see `post`: it is published, theirs, or they are an admin. */
export function canSeePost (post: Pick<PostRow, 'published' | 'user_id'>, viewer: Pick<UserRow, 'id' | 'role'> | null): boolean {
  return post.published === 1 || isOwnerOrAdmin(viewer, post.user_id)
}

/**
 * `query` narrowed to the posts `filters.viewer` may see (`canSeePost`, as SQL) and the
 * rest of `filters`. Shared by the v1 pages, their `total` and the v2 keyset pages.
 */
export function applyPostFilters<O> (
  db: Db, query: SelectQueryBuilder<Database, 'posts', O>, { viewer, authorId, text }: PostFilters
): SelectQueryBuilder<Database, 'posts', O> {
  if (viewer === null) query = query.where('posts.published', '=', 1)
  else if (viewer.role !== 'admin') {
    query = query.where((eb) => eb.or([eb('posts.published', '=', 1), eb('posts.user_id', '=', viewer.id)]))
  }
  if (authorId !== undefined) query = query.where('posts.user_id', '=', authorId)
  if (searches(text)) query = query.where(containsTextIndexed(db, 'posts', ['title', 'content'], text))
  return query
}

/** An empty `q` searches for nothing. */
function searches (text: string | undefined): text is string {
  return text !== undefined && text !== ''
}

export async function findPostById (db: Db, id: number): Promise<PostRow | undefined> {
  return await db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst()
}

/** One v1 page, by id ascending. */
export async function listPosts (db: Db, filters: PostFilters, offset: number, limit: number): Promise<PostRow[]> {
  return await applyPostFilters(db, db.selectFrom('posts').selectAll('posts'), filters)
    .orderBy('id').offset(rowOffset(offset)).limit(limit).execute()
}

/** The keyset page after `afterId` (by id ascending), for cursor pagination. */
export async function listPostsAfter (
  db: Db, filters: PostFilters, afterId: number, limit: number
): Promise<PostRow[]> {
  return await applyPostFilters(db, db.selectFrom('posts').selectAll('posts'), filters)
    .where('posts.id', '>', afterId).orderBy('id').limit(limit).execute()
}

export async function countPosts (db: Db, filters: PostFilters): Promise<number> {
  const query = applyPostFilters(db, db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('count')), filters)
  // A search's total reads every match: off the event loop, as a product search's.
  const rows = searches(filters.text) ? await readOffLoop(db, query) : await query.execute()
  return Number(rows[0]?.count ?? 0)
}

export async function insertPost (db: Db, row: NewPostRow): Promise<PostRow> {
  return await db.insertInto('posts').values(row).returningAll().executeTakeFirstOrThrow()
}

/**
 * Applies `changes`, bumping the version. With `version`, only a row still at that
 * version is changed: undefined then means it is gone or was changed in the meantime.
 */
export async function updatePost (
  db: Db, id: number, changes: PostRowUpdate, version?: number
): Promise<PostRow | undefined> {
  let query = db.updateTable('posts')
    .set((eb) => ({ ...changes, version: eb('version', '+', 1), updated_at: new Date().toISOString() }))
    .where('id', '=', id)
  if (version !== undefined) query = query.where('version', '=', version)
  return await query.returningAll().executeTakeFirst()
}

/** Deletes a post; false when there was none (at `version`, when given). */
export async function deletePost (db: Db, id: number, version?: number): Promise<boolean> {
  let query = db.deleteFrom('posts').where('id', '=', id)
  if (version !== undefined) query = query.where('version', '=', version)
  const result = await query.executeTakeFirst()
  return result.numDeletedRows > 0n
}
