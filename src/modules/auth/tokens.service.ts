import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Config } from '../../config.js'
import type { Database, UserRow } from '../../db/tables.js'
import { InvalidRefreshToken } from '../../errors/coded-errors.js'
import { findUserById } from '../users/users.repository.js'
import { randomToken, tokenHash } from './opaque-tokens.js'
import {
  findRefreshTokenByHash, insertRefreshToken, markRefreshTokenUsed, revokeRefreshTokenFamily
} from './refresh-tokens.repository.js'

type Db = Kysely<Database>

export interface TokenPair {
  access_token: string
  token_type: 'bearer'
  expires_in: number
  refresh_token: string
}

export interface TokenIssuer {
  db: Db
  config: Config
  sign: (claims: { sub: string, iat: number }) => string | Promise<string>
}

const DAY_MS = 86_400_000

async function addRefreshToken (db: Db, config: Config, userId: number, familyId: string): Promise<string> {
  const token = randomToken()
  const lifetimeMs = config.REFRESH_TOKEN_EXPIRE_DAYS * DAY_MS
  await insertRefreshToken(db, { userId, familyId, tokenHash: tokenHash(token), lifetimeMs })
  return token
}

async function accessToken (issuer: TokenIssuer, user: Pick<UserRow, 'id' | 'tokens_valid_after'>): Promise<string> {
  // Tokens issued in the second of a password change are refused, so a login in that
  // same second is dated one second on (the verifier allows that much skew).
  const iat = Math.max(Math.floor(Date.now() / 1000), (user.tokens_valid_after ?? 0) + 1)
  return await issuer.sign({ sub: String(user.id), iat })
}

function pair (issuer: TokenIssuer, access: string, refresh: string): TokenPair {
  return { access_token: access, token_type: 'bearer', expires_in: issuer.config.ACCESS_TOKEN_EXPIRE_MINUTES * 60, refresh_token: refresh }
}

/** A new login: an access token and the first refresh token of a new family. */
export async function startLogin (issuer: TokenIssuer, user: UserRow): Promise<TokenPair> {
  const refresh = await addRefreshToken(issuer.db, issuer.config, user.id, randomUUID())
  return pair(issuer, await accessToken(issuer, user), refresh)
}

type Rotation = { outcome: 'rotated', user: UserRow, refresh: string } | { outcome: 'refused' }

/**
 * Trades a refresh token for a new pair of the same login. A token that was already
 * spent (a replay, or the loser of two concurrent refreshes) revokes its whole family,
 * the newest token included; the revocation commits even though the request fails.
 */
export async function rotateRefreshToken (issuer: TokenIssuer, presented: string): Promise<TokenPair> {
  const { db, config } = issuer
  const rotation = await db.transaction().execute(async (trx): Promise<Rotation> => {
    const row = await findRefreshTokenByHash(trx, tokenHash(presented))
    if (row === undefined || row.revoked_at !== null) return { outcome: 'refused' }
    if (row.used_at === null && Date.parse(row.expires_at) <= Date.now()) return { outcome: 'refused' }
    if (row.used_at !== null || !await markRefreshTokenUsed(trx, row.id)) {
      await revokeRefreshTokenFamily(trx, row.family_id)
      return { outcome: 'refused' }
    }
    const user = await findUserById(trx, row.user_id)
    if (user === undefined || user.is_active !== 1) {
      await revokeRefreshTokenFamily(trx, row.family_id)
      return { outcome: 'refused' }
    }
    return { outcome: 'rotated', user, refresh: await addRefreshToken(trx, config, user.id, row.family_id) }
  })
  if (rotation.outcome === 'refused') throw new InvalidRefreshToken()
  return pair(issuer, await accessToken(issuer, rotation.user), rotation.refresh)
}

/** Ends the login a refresh token belongs to; an unknown token is ignored. */
export async function endLogin (db: Db, presented: string): Promise<void> {
  const row = await findRefreshTokenByHash(db, tokenHash(presented))
  if (row !== undefined) await revokeRefreshTokenFamily(db, row.family_id)
}
