import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely'
import { carriedTotal, sumOfCounts } from '../../db/carried-total.js'
import { containsTextIndexed, opaqueToPlanner, rowOffset, searchText } from '../../db/dialect-sql.js'
import { groupedLookupById } from '../../db/grouped-statements.js'
import { preparedQuery } from '../../db/prepared-query.js'
import type { Database, NewUserRow, UserRow, UserRowUpdate } from '../../db/tables.js'

type Db = Kysely<Database>

// Every authenticated request runs this one.
export const findUserById = groupedLookupById('users')

/**
 * The auth plugin's rule, in SQL for a write that checks its caller itself: user `id` exists, is
 * active, and has not ended (by a password change or reset) the tokens issued at `issuedAt`.
 */
export function callerStillSignedIn (
  db: Db, id: Expression<number> | number, issuedAt: Expression<number> | number
): RawBuilder<SqlBool> {
  // Kysely puts the subquery in parentheses itself.
  return sql<SqlBool>`exists ${db.selectFrom('users').select(sql.lit(1).as('one'))
    .where('id', '=', id)
    .where('is_active', '=', 1)
    .where((eb) => eb.or([eb('tokens_valid_after', 'is', null), eb('tokens_valid_after', '<', issuedAt)]))}`
}

/** PostgreSQL only: `callerStillSignedIn` for every pair of the two arrays. */
export function callersStillSignedIn (db: Db, ids: number[], issuedAts: number[]): RawBuilder<SqlBool> {
  const signedIn = callerStillSignedIn(db, sql.ref<number>('callers.id'), sql.ref<number>('callers.issued_at'))
  const [idArray, issuedAtArray] = [opaqueToPlanner(db, ids, 'bigint[]'), opaqueToPlanner(db, issuedAts, 'bigint[]')]
  return sql<SqlBool>`not exists (select from unnest(${idArray}, ${issuedAtArray}) as callers(id, issued_at)
    where not ${signedIn})`
}

export async function findUserByEmail (db: Db, email: string): Promise<UserRow | undefined> {
  return await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()
}

/** Inserts a user; a taken e-mail surfaces as the driver's unique violation. */
export async function insertUser (db: Db, row: NewUserRow): Promise<UserRow> {
  return await db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function updateUser (db: Db, id: number, changes: UserRowUpdate): Promise<UserRow | undefined> {
  return await db.updateTable('users')
    .set({ ...changes, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

/** Deletes a user; true when there was one. */
export async function deleteUser (db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

// Every user, counted by the triggers of migration 0008 rather than by a scan.
const allUsers = (db: Db) => db.selectFrom('row_counts').where('table_name', '=', 'users').select(sumOfCounts)

const usersPage = preparedQuery((db: Db, offset: number, limit: number) =>
  db.selectFrom('users').selectAll().select(sql<number | string>`(${allUsers(db)})`.as('total'))
    .orderBy('id').offset(opaqueToPlanner(db, offset, 'bigint')).limit(opaqueToPlanner(db, limit, 'bigint')))
const usersAfter = preparedQuery((db: Db, afterId: number, limit: number) =>
  db.selectFrom('users').selectAll().where('id', '>', opaqueToPlanner(db, afterId, 'bigint'))
    .orderBy('id').limit(opaqueToPlanner(db, limit, 'bigint')))

/** A page of users by id, and how many there are (carried-total.ts). */
export async function listUsers (db: Db, offset: number, limit: number): Promise<{ rows: UserRow[], total: number }> {
  const rows = await usersPage.execute(db, rowOffset(offset), limit)
  return { rows, total: await carriedTotal(rows, async () => await countUsers(db)) }
}

/** The keyset page after `afterId` (by id ascending), for cursor pagination. */
export async function listUsersAfter (db: Db, afterId: number, limit: number): Promise<UserRow[]> {
  return await usersAfter.execute(db, afterId, limit)
}

const usersCount = preparedQuery(allUsers)

export async function countUsers (db: Db): Promise<number> {
  return Number((await usersCount.executeTakeFirst(db))?.count ?? 0)
}

export interface UserSearch {
  text: string
  includeEmail: boolean
  sort: 'name' | 'email' | 'created_at' | undefined
  skip: number
  limit: number
}

/** Users whose name (or e-mail, when `includeEmail`) contains `text` literally. */
export async function searchUsers (db: Db, search: UserSearch): Promise<UserRow[]> {
  let query = db.selectFrom('users').selectAll()
    .where(containsTextIndexed(db, 'users', search.includeEmail ? ['name', 'email'] : ['name'], searchText(search.text)))
  if (search.sort !== undefined) query = query.orderBy(search.sort)
  return await query.orderBy('id').offset(rowOffset(search.skip)).limit(search.limit).execute()
}
