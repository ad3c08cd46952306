// The price buckets of `price_counts` (migration 0014, which computes the same in SQL).

/** A price's bucket: its number of digits, then its first two digits (12 345 cents: 512). */
export function priceBucket (cents: number): number {
  const digits = String(cents)
  return digits.length * 100 + Number(digits.slice(0, 2))
}

/** The lowest and the highest price in `bucket` (512: 12 000 and 12 999 cents). */
export function bucketBounds (bucket: number): [number, number] {
  const digits = Math.floor(bucket / 100)
  const leading = bucket % 100
  if (digits === 1) return [leading, leading]
  const unit = 10 ** (digits - 2)
  return [leading * unit, (leading + 1) * unit - 1]
}
