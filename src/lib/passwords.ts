import { availableParallelism } from 'node:os'
import { hash, verify } from '@node-rs/argon2'
import pLimit from 'p-limit'

// Algorithm.Argon2id; the package's enum is const, which verbatimModuleSyntax cannot import.
const ARGON2ID = 2

// Both libraries run on libuv's thread pool: hashing never blocks the event loop.
// argon2's defaults (19 MiB, 2 passes, 1 lane) are OWASP's argon2id recommendation.

/** Hashes at once: one fewer than the cores (at least one), so a burst of sign-ups leaves the event loop a core. */
export const hashingSlots = pLimit(Math.max(1, availableParallelism() - 1))

export async function hashPassword (password: string): Promise<string> {
  return await hashingSlots(async () => await hash(password, { algorithm: ARGON2ID }))
}

/** bcrypt hashes from the guide's Python service (passlib writes `$2b$`; older tools `$2a$`/`$2y$`). */
export const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/

/** True for a stored hash that verifies but should be replaced by an argon2id one. */
export function needsRehash (hashed: string): boolean {
  return !hashed.startsWith('$argon2id$')
}

// Checking a login for an unknown e-mail against this costs what a real check costs, so
// the answer's timing does not tell which e-mails have accounts.
const dummyHash = hashPassword('agora-timing-equaliser')

export async function verifyPassword (hashed: string | undefined, password: string): Promise<boolean> {
  // Loaded on the first imported hash, which most servers never meet. Outside the try: a
  // package that fails to load is an error in the log, not a failed login.
  const bcrypt = hashed !== undefined && BCRYPT_HASH.test(hashed) ? await import('@node-rs/bcrypt') : undefined
  try {
    if (bcrypt !== undefined && hashed !== undefined) {
      return await hashingSlots(async () => await bcrypt.verify(password, hashed))
    }
    const stored = hashed ?? await dummyHash
    return await hashingSlots(async () => await verify(stored, password)) && hashed !== undefined
  } catch {
    return false // a malformed stored hash is a failed login, not a 500
  }
}
