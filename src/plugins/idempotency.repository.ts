import type { ExpressionBuilder, Kysely } from 'kysely'
import { nowPlus } from '../db/dialect-sql.js'
import type { Database, IdempotencyKeyRow } from '../db/tables.js'

type Db = Kysely<Database>

/** Whose key it is and where it was sent: a key means nothing outside its scope. */
export interface IdempotencyScope {
  caller: string
  route: string
  key: string
}

export interface StoredResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export type ClaimResult = { claimed: true } | { claimed: false, row: IdempotencyKeyRow }

function inScope ({ caller, route, key }: IdempotencyScope) {
  return (eb: ExpressionBuilder<Database, 'idempotency_keys'>) => eb.and({ caller, route, idempotency_key: key })
}

/** Claims `scope` (taking over an expired claim) or returns the live one; each step is atomic: two never both win. */
export async function claimIdempotencyKey (
  db: Db, scope: IdempotencyScope, requestHash: string, claimId: string, leaseMs: number, ttlMs: number
): Promise<ClaimResult> {
  const claim = {
    request_hash: requestHash,
    state: 'in_progress' as const,
    claim_id: claimId,
    locked_until: nowPlus(db, leaseMs),
    response_status: null,
    response_headers: null,
    response_body: null,
    expires_at: nowPlus(db, ttlMs)
  }
  // A row can vanish between two statements (released, purged): then try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db.insertInto('idempotency_keys')
      .values({ caller: scope.caller, route: scope.route, idempotency_key: scope.key, ...claim })
      .onConflict((oc) => oc.columns(['caller', 'route', 'idempotency_key']).doNothing())
      .returning('claim_id')
      .executeTakeFirst()
    if (inserted !== undefined) return { claimed: true }

    const takenOver = await db.updateTable('idempotency_keys').set(claim).where(inScope(scope))
      .where((eb) => eb.or([
        eb('expires_at', '<=', nowPlus(db)),
        eb.and([eb('state', '=', 'in_progress'), eb('locked_until', '<=', nowPlus(db))])
      ]))
      .executeTakeFirst()
    if (takenOver.numUpdatedRows > 0n) return { claimed: true }

    const row = await db.selectFrom('idempotency_keys').selectAll().where(inScope(scope)).executeTakeFirst()
    if (row !== undefined) return { claimed: false, row }
  }
  throw new Error('Could not claim an idempotency key')
}

/** Keeps `response` for replays until `ttlMs` from now; false when the claim was lost. */
export async function completeIdempotencyKey (
  db: Db, scope: IdempotencyScope, claimId: string, response: StoredResponse, ttlMs: number
): Promise<boolean> {
  const result = await db.updateTable('idempotency_keys').set({
    state: 'completed',
    locked_until: null,
    response_status: response.status,
    response_headers: JSON.stringify(response.headers),
    response_body: response.body,
    expires_at: nowPlus(db, ttlMs)
  }).where(inScope(scope)).where('claim_id', '=', claimId).executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Forgets a claim, so that the key can be used again (after a failed request). */
export async function releaseIdempotencyKey (db: Db, scope: IdempotencyScope, claimId: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where(inScope(scope)).where('claim_id', '=', claimId).execute()
}

export async function purgeExpiredIdempotencyKeys (db: Db): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', nowPlus(db)).executeTakeFirst()
  return Number(result.numDeletedRows)
}
