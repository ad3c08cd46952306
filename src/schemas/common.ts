import { Type, type Static, type TSchema } from '@sinclair/typebox'

// Matches the decimal integers 1 … `max` with no sign, leading zero or fraction.
function positiveIntegerPattern (max: string): string {
  const shorter = `[1-9]\\d{0,${max.length - 2}}`
  const sameLength = [...max].map((digit, i) => {
    const low = i === 0 ? 1 : 0
    const high = Number(digit) - 1
    if (high < low) return undefined
    const rest = max.length - i - 1
    return `${max.slice(0, i)}[${low}-${high}]${rest > 0 ? `\\d{${rest}}` : ''}`
  }).filter((branch) => branch !== undefined)
  return `^(?:${[shorter, ...sameLength, max].join('|')})$`
}

/** Ids are positive integers up to 2^63−1; anything else in a path is a 422. */
export const ID_PATTERN = positiveIntegerPattern('9223372036854775807')

/** A path parameter holding a resource id; see `rowId`. */
export function IdParams<K extends string> (name: K) {
  return Type.Object({
    [name]: Type.String({
      pattern: ID_PATTERN,
      description: 'A positive integer id',
      'x-error': { msg: 'Input should be a positive integer up to 9223372036854775807', type: 'int_parsing' }
    })
  } as Record<K, ReturnType<typeof Type.String>>)
}

/** The row id of a validated path id: ids above 2^53 are valid but never issued, so they become 0, a 404. */
export function rowId (pathId: string): number {
  const id = Number(pathId)
  return Number.isSafeInteger(id) ? id : 0
}

export function Nullable<T extends TSchema> (schema: T) {
  return Type.Union([schema, Type.Null()])
}

/** A trimmed string whose length is checked after trimming. */
export function TrimmedString (options: { minLength: number, maxLength: number, description?: string }) {
  return Type.String({ transform: ['trim'], ...options })
}

/** The OpenAPI security requirement of routes that need an access token. */
export const bearerSecurity = [{ OAuth2PasswordBearer: [] }]

/** The OpenAPI security requirement of routes open to anyone that show a signed-in caller more. */
export const optionalBearerSecurity: Array<Record<string, string[]>> = [{}, ...bearerSecurity]

export const noSecurity: Array<Record<string, string[]>> = []

export const TimestampSchema = Type.String({ format: 'date-time', examples: ['2026-11-24T10:00:00.000Z'] })

/** Bounds a page or offset: `1e309` is Infinity, which passes an integer check, and 10^21 up print with an exponent. */
export const MAX_QUERY_INTEGER = 1e20

/** The bound of a decimal query number that needs none narrower: finite. */
export const MAX_QUERY_NUMBER = Number.MAX_VALUE

export const PageQuerySchema = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: MAX_QUERY_INTEGER, default: 1, description: 'The page, from 1; past the last, `items` is empty' }),
  page_size: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Items per page' })
})
export type PageQuery = Static<typeof PageQuerySchema>

/** The v1 list envelope. */
export function PageSchema<T extends TSchema> (item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ minimum: 0 }),
    page: Type.Integer({ minimum: 1 }),
    page_size: Type.Integer({ minimum: 1 }),
    pages: Type.Integer({ minimum: 0 })
  })
}

export function toPage<T> (items: T[], total: number, { page, page_size: pageSize }: PageQuery) {
  return { items, total, page, page_size: pageSize, pages: Math.ceil(total / pageSize) }
}

export const MessageSchema = Type.Object({ message: Type.String() })
