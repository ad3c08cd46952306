/**
 * A list page whose rows carry its total in a `total` column (a scalar subquery over counts that
 * triggers keep) costs one statement instead of two: one round trip on PostgreSQL, and page and
 * total read in one snapshot. A page past the end has no row to carry it: `countAlone` answers then.
 */
export async function carriedTotal (
  rows: ReadonlyArray<{ total?: number | string }>, countAlone: () => Promise<number>
): Promise<number> {
  const [first] = rows
  // PostgreSQL sums bigints as numeric, which pg returns as a string.
  return first?.total === undefined ? await countAlone() : Number(first.total)
}
