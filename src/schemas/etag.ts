import { Type, type Static } from '@sinclair/typebox'
import { PreconditionFailed } from '../errors/coded-errors.js'

/**
 * Conditional requests (RFC 9110 §13) for resources with a `version` column that every
 * update increments. The ETag is strong and names the resource and its version, so two
 * edits in the same millisecond still get different tags, and `update … where version = ?`
 * turns `If-Match` into optimistic concurrency that holds between two racing clients.
 */
export interface Versioned {
  id: number
  version: number
}

/** The condition a read honours: If-None-Match. */
export const IfNoneMatchHeadersSchema = Type.Object({
  'if-none-match': Type.Optional(Type.String({ description: 'An ETag from an earlier GET: 304 when it is still current' }))
})
export type IfNoneMatchHeaders = Static<typeof IfNoneMatchHeadersSchema>

/** The condition a change or a delete honours: If-Match. */
export const IfMatchHeadersSchema = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'The ETag the change is based on: 412 when the resource has changed since' }))
})
export type IfMatchHeaders = Static<typeof IfMatchHeadersSchema>

/** The 304 answer of a GET that honours If-None-Match. */
export const NotModifiedResponse = { 304: Type.Null({ description: 'Not Modified: the If-None-Match tag is current' }) }

/**
 * Why a conditional update or delete changed no row: under If-Match another client changed
 * it since it was read (412); otherwise it is gone.
 */
export function unchangedRowError (version: number | undefined, gone: () => Error): Error {
  return version === undefined ? gone() : new PreconditionFailed()
}

export function etagOf (row: Versioned): string {
  return `"${row.id}-${row.version}"`
}

/** The entity tags of an If-Match / If-None-Match list; `*` stays as is. */
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
 * The version a change must find for `If-Match` to hold, or undefined without the header.
 * Throws 412 at once when the header names no current tag (If-Match compares strongly,
 * so a weak tag never matches). Pass the result to the conditional update or delete.
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
