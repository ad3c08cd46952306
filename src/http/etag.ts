import { PreconditionFailed } from '../errors/coded-errors.js'
import type { IfMatchHeaders, IfNoneMatchHeaders } from '../schemas/etag.js'

// Conditional requests (RFC 9110 §13) on a `version` column every update increments: the
// strong ETag names id and version, and `update … where version = ?` makes If-Match hold.
export interface Versioned {
  id: number
  version: number
}

/** Why a conditional change hit no row: under If-Match, another client changed it (412); otherwise it is gone. */
export function unchangedRowError (version: number | undefined, gone: () => Error): Error {
  return version === undefined ? gone() : new PreconditionFailed()
}

export function etagOf (row: Versioned): string {
  return `"${row.id}-${row.version}"`
}

// The entity tags of an If-Match / If-None-Match list; `*` stays as is.
function listedTags (header: string): string[] {
  return header.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '')
}

/** If-None-Match compares weakly: `W/"1-2"` matches `"1-2"`. */
export function isNotModified (headers: IfNoneMatchHeaders, row: Versioned): boolean {
  const header = headers['if-none-match']
  if (header === undefined) return false
  const current = etagOf(row)
  return listedTags(header).some((tag) => tag === '*' || tag.replace(/^W\//, '') === current)
}

/**
 * The version a change must find for `If-Match` to hold, or undefined without the header. A 412 at
 * once when no listed tag is current (If-Match compares strongly: a weak tag never matches).
 */
export function expectedVersion (headers: IfMatchHeaders, row: Versioned): number | undefined {
  const header = headers['if-match']
  if (header === undefined) return undefined
  const current = etagOf(row)
  const tags = listedTags(header)
  if (tags.includes(current)) return row.version
  // `*` asks only that the resource exists, whatever its version.
  if (tags.includes('*')) return undefined
  throw new PreconditionFailed()
}
