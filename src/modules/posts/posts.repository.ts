import { sql, type Kysely } from 'kysely'
import { groupedLookupById } from '../../db/grouped-statements.js'
import type { Database, NewPostRow, PostRow, PostRowUpdate, UserRow } from '../../db/tables.js'
import { isOwnerOrAdmin, type Caller } from '../../plugins/auth.js'
import { callerStillSignedIn } from '../users/users.repository.js'

type Db = Kysely<Database>

/** True when `viewer` may see `post`: it is published, theirs, or they are an admin. */
export function canSeePost (post: Pick<PostRow, 'published' | 'user_id'>, viewer: Pick<UserRow, 'id' | 'role'> | null): boolean {
  return post.published === 1 || isOwnerOrAdmin(viewer, post.user_id)
}

export const findPostById = groupedLookupById('posts')

/** Inserts `caller`'s post if the same statement finds them still signed in (`callerStillSignedIn`), else undefined. */
export async function insertPost (
  db: Db, caller: Caller, row: Pick<NewPostRow, 'title' | 'content'> & { published: number }
): Promise<PostRow | undefined> {
  return await db.insertInto('posts')
    .columns(['title', 'content', 'published', 'user_id'])
    .expression(db.selectNoFrom([
      sql.val(row.title).as('title'),
      sql.val(row.content).as('content'),
      sql.val(row.published).as('published'),
      sql.val(caller.id).as('user_id')
    ]).where(callerStillSignedIn(db, caller.id, caller.issuedAt)))
    .returningAll()
    .executeTakeFirst()
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
