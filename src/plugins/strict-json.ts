import { RequestValidationError, UnsupportedCharset } from '../errors/coded-errors.js'
import { ISSUES, tooDeep } from '../errors/validation-issues.js'

/** Levels of objects and arrays a request part may nest (the body itself is level 1). */
export const MAX_DEPTH = 32

export const TOO_DEEP = tooDeep(MAX_DEPTH)

/** Works on the raw bytes, before decoding: UTF-8 continuation bytes are never ASCII brackets. */
export function nestsDeeperThan (bytes: Uint8Array, limit: number): boolean {
  let depth = 0
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]
    if (byte === 0x22) { // a string: skip to its closing quote, over escapes
      for (i++; i < bytes.length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c) i++
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > limit) return true
    } else if (byte === 0x5d || byte === 0x7d) {
      depth--
    }
  }
  return false
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function charsetOf (contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '')
  return match === null ? undefined : (match[1] ?? match[2] ?? '').toLowerCase()
}

// NUL and lone surrogates only come from `\u` escapes, and only 100+ digits or a 3-digit
// exponent overflow to Infinity: text with none of these holds no hostile value.
export function mayHoldHostileValue (text: string): boolean {
  return /\\u(?:0000|[dD][89a-fA-F])|[eE][+-]?\d{3}|\d{100}/.test(text)
}

/** Decoded strictly (never with U+FFFD for bad bytes); `clean`: the parsed value needs no walk for hostile values. */
export function readJsonText (body: Buffer, contentType: string | undefined): { text: string, clean: boolean } {
  const charset = charsetOf(contentType)
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new UnsupportedCharset(charset)
  if (nestsDeeperThan(body, MAX_DEPTH)) throw new RequestValidationError([{ loc: ['body'], ...TOO_DEEP }])
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    throw new RequestValidationError([{ loc: ['body'], ...ISSUES.notUtf8 }])
  }
  return { text, clean: !mayHoldHostileValue(text) }
}
