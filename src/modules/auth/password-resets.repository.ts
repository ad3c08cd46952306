import type { Kysely } from 'kysely'
import { nowPlus } from '../../db/dialect-sql.js'
import type { Database } from '../../db/tables.js'

type Db = Kysely<Database>

export async function insertPasswordReset (
  db: Db, userId: number, tokenHash: string, lifetimeMs: number
): Promise<void> {
  await db.insertInto('password_resets')
    .values({ user_id: userId, token_hash: tokenHash, expires_at: nowPlus(db, lifetimeMs) })
    .execute()
}

/**
 * Spends a reset token that is unused and unexpired, by the database's clock; returns its
 * user, or undefined. One statement, so two confirmations of one token cannot both win.
 */
export async function usePasswordReset (db: Db, tokenHash: string): Promise<number | undefined> {
  const row = await db.updateTable('password_resets')
    .set({ used_at: nowPlus(db) })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', nowPlus(db))
    .returning('user_id')
    .executeTakeFirst()
  return row?.user_id
}

/** Voids a user's outstanding reset tokens (their password just changed). */
export async function voidUserPasswordResets (db: Db, userId: number): Promise<void> {
  await db.updateTable('password_resets')
    .set({ used_at: nowPlus(db) })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute()
}
