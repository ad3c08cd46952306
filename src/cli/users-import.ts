import type { Kysely } from 'kysely'
import type { Database, NewUserRow } from '../db/tables.js'
import { BCRYPT_HASH } from '../lib/passwords.js'

// `agora users import`: JSON lines from the guide's Python service, the hash under `hashed_password` or
// `password` (its column); a plain-text password is refused, never hashed on the way in.

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const ARGON2ID_HASH = /^\$argon2id\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/

/** A line that could not be imported, by its 1-based number. */
export interface ImportProblem {
  line: number
  reason: string
}

export type ParsedLine = { row: NewUserRow } | { reason: string }

/** Reads one line into a user row, or says what is wrong with it. */
export function parseUserLine (text: string): ParsedLine {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { reason: 'not valid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { reason: 'not a JSON object' }
  const record = value as Record<string, unknown>
  const name = typeof record.name === 'string' ? record.name.trim() : ''
  if (name.length < 1 || name.length > 100) return { reason: 'name must be 1–100 characters' }
  const email = typeof record.email === 'string' ? record.email.trim().toLowerCase() : ''
  if (!EMAIL.test(email) || email.length > 320) return { reason: 'email is missing or invalid' }
  const hash = record.hashed_password ?? record.password
  if (typeof hash !== 'string' || !(BCRYPT_HASH.test(hash) || ARGON2ID_HASH.test(hash))) {
    return { reason: 'hashed_password must be a bcrypt ($2a$/$2b$/$2y$) or argon2id hash' }
  }
  const age = record.age ?? null
  if (age !== null && (!Number.isInteger(age) || (age as number) < 0 || (age as number) > 150)) return { reason: 'age must be an integer 0–150 or null' }
  const role = record.role ?? 'user'
  if (role !== 'user' && role !== 'admin') return { reason: 'role must be "user" or "admin"' }
  const active = record.is_active ?? true
  if (typeof active !== 'boolean') return { reason: 'is_active must be true or false' }
  return { row: { name, email, hashed_password: hash, age: age as number | null, role, is_active: active ? 1 : 0 } }
}

/** Inserts a batch in one statement, skipping e-mails taken or repeated rather than failing; returns those inserted. */
export async function insertUsersSkippingTaken (db: Kysely<Database>, rows: NewUserRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set()
  const inserted = await db.insertInto('users').values(rows)
    .onConflict((oc) => oc.column('email').doNothing())
    .returning('email')
    .execute()
  return new Set(inserted.map((r) => r.email))
}
