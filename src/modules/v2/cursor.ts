import { createHmac, timingSafeEqual } from 'node:crypto'
import { derivedKey } from '../../config.js'
import { RequestValidationError } from '../../errors/coded-errors.js'
import { cursorOfOtherList, ISSUES } from '../../errors/validation-issues.js'

/** The lists a v2 cursor can belong to; a cursor of one is refused by the others. */
export type CursorResource = 'users' | 'products' | 'posts'

export interface CursorCodec {
  encode (resource: CursorResource, lastId: number): string
  /** The id the page after `cursor` starts after; a 422 at `query.cursor` for anything not issued by `encode`. */
  decode (resource: CursorResource, cursor: string): number
}

const BASE64URL = /^[A-Za-z0-9_-]+$/

function invalidCursor (wording: { msg: string, type: string }): RequestValidationError {
  return new RequestValidationError([{ loc: ['query', 'cursor'], ...wording }])
}

/**
 * Opaque keyset cursors: `base64url(JSON {resource, last_id}) "." base64url(HMAC-SHA256)`.
 * The MAC key is derived from `secret` for this purpose only, so a cursor can never pass
 * for a token, and a client can neither forge a cursor nor move one to another list.
 */
export function createCursorCodec (secret: string): CursorCodec {
  const key = derivedKey(secret, 'agora/v2/cursor/1')
  const sign = (payload: string): Buffer => createHmac('sha256', key).update(payload).digest()

  return {
    encode (resource, lastId) {
      const payload = Buffer.from(JSON.stringify({ resource, last_id: lastId })).toString('base64url')
      return `${payload}.${sign(payload).toString('base64url')}`
    },

    decode (resource, cursor) {
      const [payload, signature, ...rest] = cursor.split('.')
      if (payload === undefined || signature === undefined || rest.length > 0 ||
        !BASE64URL.test(payload) || !BASE64URL.test(signature)) {
        throw invalidCursor(ISSUES.cursorMalformed)
      }
      const given = Buffer.from(signature, 'base64url')
      const expected = sign(payload)
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw invalidCursor(ISSUES.cursorForged)
      }
      let data: unknown
      try {
        data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
      } catch {
        throw invalidCursor(ISSUES.cursorMalformed)
      }
      const { resource: owner, last_id: lastId } = (data ?? {}) as { resource?: unknown, last_id?: unknown }
      if (owner !== resource) throw invalidCursor(cursorOfOtherList(resource))
      if (typeof lastId !== 'number' || !Number.isSafeInteger(lastId) || lastId < 1) throw invalidCursor(ISSUES.cursorMalformed)
      return lastId
    }
  }
}
