import type { Kysely } from 'kysely'
import { nowPlus } from '../../db/dialect-sql.js'
import type { Database, RefreshTokenRow } from '../../db/tables.js'

type Db = Kysely<Database>

export interface NewRefreshToken {
  userId: number
  familyId: string
  tokenHash: string
  lifetimeMs: number
}

export async function insertRefreshToken (db: Db, token: NewRefreshToken): Promise<void> {
  await db.insertInto('refresh_tokens').values({
    user_id: token.userId,
    family_id: token.familyId,
    token_hash: token.tokenHash,
    expires_at: nowPlus(db, token.lifetimeMs)
  }).execute()
}

export async function findRefreshTokenByHash (db: Db, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  return await db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
}

/**
 * Spends a token: true for exactly one caller, however many present it at once. On
 * PostgreSQL a concurrent update waits for the first to commit, then finds `used_at` set.
 */
export async function markRefreshTokenUsed (db: Db, id: number): Promise<boolean> {
  const result = await db.updateTable('refresh_tokens')
    .set({ used_at: nowPlus(db) })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows === 1n
}

/** Ends one login: every token of the family, the newest included. */
export async function revokeRefreshTokenFamily (db: Db, familyId: string): Promise<void> {
  await db.updateTable('refresh_tokens')
    .set({ revoked_at: nowPlus(db) })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute()
}

/** Ends every login of a user. */
export async function revokeUserRefreshTokens (db: Db, userId: number): Promise<void> {
  await db.updateTable('refresh_tokens')
    .set({ revoked_at: nowPlus(db) })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute()
}
