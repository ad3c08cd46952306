import { createHash, randomBytes } from 'node:crypto'

/** A new opaque token: 256 random bits, URL-safe. */
export function randomToken (): string {
  return randomBytes(32).toString('base64url')
}

/**
 * The stored form of an opaque token. The tokens are high-entropy random values, so a
 * fast unsalted SHA-256 is enough: there is nothing to guess, and lookup by hash works.
 */
export function tokenHash (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
