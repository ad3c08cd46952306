import { RequestValidationError, UnsupportedCharset } from '../errors/coded-errors.js'
import { ISSUES, tooDeep } from '../errors/validation-issues.js'

// The checks a JSON body's bytes get before they are parsed (plugins/input-safety.ts).

/** Levels of objects and arrays a request part may nest (the body itself is level 1). */
export const MAX_DEPTH = 32

export const TOO_DEEP = tooDeep(MAX_DEPTH)

/**
 * True when the JSON text in `bytes` nests arrays and objects deeper than `limit`. One
 * pass over the bytes, before the text is decoded or parsed, so that a megabyte of `[`
 * costs a millisecond rather than a parse. Bytes inside strings are skipped; UTF-8
 * continuation bytes are never ASCII, so they cannot be mistaken for brackets.
 */
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

/** The `charset` parameter of a Content-Type, lower-cased, or undefined. */
function charsetOf (contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '')
  return match === null ? undefined : (match[1] ?? match[2] ?? '').toLowerCase()
}

/**
 * True unless JSON text certainly holds no hostile value. A NUL or a lone surrogate can
 * only come from a `\u` escape (raw control characters are not JSON, raw surrogates not
 * UTF-8), and a number only overflows to Infinity with 100+ digits or a 3-digit exponent.
 * One regular expression over the text, where walking the parsed value would cost a
 * call per value; a false alarm (an emoji sent as an escaped pair) only costs that walk.
 */
export function mayHoldHostileValue (text: string): boolean {
  return /\\u(?:0000|[dD][89a-fA-F])|[eE][+-]?\d{3}|\d{100}/.test(text)
}

/**
 * The text of a JSON body, decoded strictly: a body that is not UTF-8 (or says it is in
 * another charset) is refused rather than decoded with U+FFFD in place of its bytes, and
 * one nested deeper than MAX_DEPTH is refused before it is decoded or parsed. `clean`:
 * the parsed value needs no walk for hostile values. Linear, and a few milliseconds a MiB.
 */
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
