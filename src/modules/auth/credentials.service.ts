import type { Kysely } from 'kysely'
import type { Database } from '../../db/tables.js'
import { InvalidResetToken } from '../../errors/coded-errors.js'
import { updateUser } from '../users/users.repository.js'
import { randomToken, tokenHash } from './opaque-tokens.js'
import { insertPasswordReset, usePasswordReset, voidUserPasswordResets } from './password-resets.repository.js'
import { hashPassword } from '../../lib/passwords.js'
import { revokeUserRefreshTokens } from './refresh-tokens.repository.js'

type Db = Kysely<Database>

/**
 * Sets a new password and ends everything the old one opened: every refresh and reset token,
 * and every access token issued up to this second. Pass the caller's transaction if any.
 */
export async function replacePassword (db: Db, userId: number, hashed: string): Promise<void> {
  await updateUser(db, userId, { hashed_password: hashed, tokens_valid_after: Math.floor(Date.now() / 1000) })
  await revokeUserRefreshTokens(db, userId)
  await voidUserPasswordResets(db, userId)
}

/** A new single-use reset token for `userId`, of which only the hash is stored. */
export async function createPasswordResetToken (db: Db, userId: number, validMinutes: number): Promise<string> {
  const token = randomToken()
  await insertPasswordReset(db, userId, tokenHash(token), validMinutes * 60_000)
  return token
}

/** Spends a reset token and sets the new password, or throws InvalidResetToken. */
export async function confirmPasswordReset (db: Db, token: string, newPassword: string): Promise<void> {
  // Hashed first: argon2 takes tens of milliseconds, too long to hold a transaction open.
  const hashed = await hashPassword(newPassword)
  await db.transaction().execute(async (trx) => {
    const userId = await usePasswordReset(trx, tokenHash(token))
    if (userId === undefined) throw new InvalidResetToken()
    await replacePassword(trx, userId, hashed)
  })
}
