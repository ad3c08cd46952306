import { sql, type ExpressionBuilder } from 'kysely'
import type { Database } from './tables.js'

/**
 * The sum of a kept count's slots (migration 0008 spreads them on PostgreSQL), 0 for none. PostgreSQL
 * sums bigints as numeric, which pg returns as a string.
 */
export function sumOfCounts (eb: ExpressionBuilder<Database, 'row_counts' | 'tag_counts' | 'stock_price_counts'>) {
  return eb.fn.coalesce(eb.fn.sum<number | string>('count'), sql.lit(0)).as('count')
}

/**
 * A list page whose rows carry its total in a `total` column (a scalar subquery over counts that
 * triggers keep) costs one statement instead of two: one round trip on PostgreSQL, and page and
 * total read in one snapshot. A page past the end has no row to carry it: `countAlone` answers then.
 */
export async function carriedTotal (
  rows: ReadonlyArray<{ total?: number | string }>, countAlone: () => Promise<number>
): Promise<number> {
  const [first] = rows
  return first?.total === undefined ? await countAlone() : Number(first.total)
}
