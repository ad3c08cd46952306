import { fullFormats } from 'ajv-formats/dist/formats.js'

// RFC 5321 §4.5.3.1: longer parts cannot be delivered, whatever their syntax.
const MAX_LOCAL_PART = 64
const MAX_LABEL = 63
const MAX_ADDRESS = 254

const syntax = fullFormats.email as RegExp

/** Ajv's `email` format within RFC 5321's lengths, checked first, which also keeps the pattern off long input. */
export function isDeliverableAddress (address: string): boolean {
  if (address.length > MAX_ADDRESS) return false
  const at = address.lastIndexOf('@')
  if (at < 1 || at > MAX_LOCAL_PART) return false
  if (address.slice(at + 1).split('.').some((label) => label.length > MAX_LABEL)) return false
  return syntax.test(address)
}
