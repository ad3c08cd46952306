import type { Kysely } from 'kysely'
import { groupedLookupById } from '../../db/grouped-statements.js'
import type { Database, NewPostRow, PostRow, PostRowUpdate, UserRow } from '../../db/tables.js'
import { isOwnerOrAdmin } from '../../plugins/auth.js'

type Db = Kysely<Database>

/** True when `viewer` may see `post`: it is published, theirs, or they are an admin. */
export function canSeePost (post: Pick<PostRow, 'published' | 'user_id'>, viewer: Pick<UserRow, 'id' | 'role'> | null): boolean {
  return post.published === 1 || isOwnerOrAdmin(viewer, post.user_id)
}

export const findPostById = groupedLookupById('posts')

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
