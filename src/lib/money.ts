export const MAX_PRICE = 1_000_000_000
/** The highest price, in cents. */
export const MAX_CENTS = MAX_PRICE * 100

// An exact decimal, `digits × 10^-scale`, read from the number's shortest round-trip form
// ("19.99", "1e-7", "1.5e+21"); never float arithmetic: 19.99 * 100 is 1998.9999999999998.
function toDecimal (value: number): { digits: bigint, scale: number } {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(value))
  if (match === null) throw new RangeError(`${value} is not a finite non-negative number`)
  const [, whole = '', fraction = '', exponent = '0'] = match
  return { digits: BigInt(whole + fraction), scale: fraction.length - Number(exponent) }
}

/** How many decimals `value` has: 0 for 5 and 1e3, 2 for 19.99, 7 for 1e-7. */
export function decimalPlaces (value: number): number {
  return Math.max(0, toDecimal(Math.abs(value)).scale)
}

/** Exact cents of a validated price (at most 2 decimals). */
export function toCents (price: number): number {
  const { digits, scale } = toDecimal(price)
  return Number(digits * 10n ** BigInt(2 - scale))
}

/** The wire price of `cents`: n/100 is the double nearest to the decimal, so it prints as one. */
export function fromCents (cents: number): number {
  return cents / 100
}

/**
 * A price filter's bound in cents: `price >= 19.995` is `cents >= 2000` (up), `price <= 19.995` is
 * `cents <= 1999` (down). Bounds past every storable price are clamped: the database sees none out of range.
 */
export function priceBoundToCents (price: number, round: 'up' | 'down'): number {
  if (!(price <= MAX_PRICE)) return MAX_CENTS + 1
  const { digits, scale } = toDecimal(price)
  if (scale <= 2) return Number(digits * 10n ** BigInt(2 - scale))
  const divisor = 10n ** BigInt(scale - 2)
  const cents = digits / divisor
  return Number(round === 'up' && digits % divisor > 0n ? cents + 1n : cents)
}
