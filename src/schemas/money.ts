import { Type } from '@sinclair/typebox'
import type { KeywordDefinition } from 'ajv'
import { decimalPlaces, MAX_PRICE } from '../lib/money.js'

/** At most n decimals. `multipleOf: 0.01` divides floats: it refuses 19.99 (with a tolerance, takes 1.000000001). */
export const maxDecimalPlacesKeyword: KeywordDefinition = {
  keyword: 'maxDecimalPlaces',
  type: 'number',
  schemaType: 'number',
  validate: (max: number, data: number) => !Number.isFinite(data) || decimalPlaces(data) <= max
}

/** A price on the wire: a JSON number (never a string), > 0, at most 2 decimals, ≤ 10^9. */
export const PriceSchema = Type.Number({
  exclusiveMinimum: 0,
  maximum: MAX_PRICE,
  maxDecimalPlaces: 2,
  description: 'Greater than 0, at most 2 decimals, at most 1 000 000 000; stored exactly',
  examples: [19.99]
})
