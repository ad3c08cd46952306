import { Type, type Static, type TSchema } from '@sinclair/typebox'

/** Matches the decimal integers 1 … `max` with no sign, leading zero or fraction. */
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

/**
 * The row id for a validated path id. Ids above 2^53 are valid in the contract but never
 * issued (sequences start at 1); 0 matches no row, so those answer 404.
 */
export function rowId (pathId: string): number {
  const id = Number(pathId)
  return Number.isSafeInteger(id) ? id : 0
}

/** `schema` or JSON null. */
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

/** The OpenAPI security requirement of routes open to anyone: none. */
export const noSecurity: Array<Record<string, string[]>> = []

/** A response schema with the description that OpenAPI gives its status on this route. */
export function described<T extends TSchema> (description: string, schema: T): T {
  return { ...schema, 'x-response-description': description }
}

export const TimestampSchema = Type.String({ format: 'date-time', examples: ['2026-11-24T10:00:00.000Z'] })

/**
 * Numbers in a query are converted from text, and `1e309` converts to Infinity, which
 * passes an integer check: only a finite `maximum` makes it a 422. Any page or offset up
 * to this is answered (past the last row, empty; the database never sees more than a safe
 * offset, see `rowOffset`), and is written back as a plain integer: JavaScript writes
 * 10^21 and above with an exponent.
 */
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

export const ErrorSchema = Type.Object({ detail: Type.String() }, { description: 'An HTTP error' })

export const ValidationIssueSchema = Type.Object({
  loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
  msg: Type.String(),
  type: Type.String()
})

export const ValidationErrorSchema = Type.Object({ detail: Type.Array(ValidationIssueSchema) }, { description: 'Validation error' })

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 429 | 503

/** What each error status means, on whichever route answers it. */
export const ERROR_DESCRIPTIONS: Record<ErrorStatus | 422, string> = {
  400: 'Bad Request',
  401: 'Not signed in: the bearer token is missing, invalid or expired',
  403: 'Signed in, but not allowed',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed: the resource changed since the If-Match tag was read',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Validation Error',
  429: 'Too Many Requests: try again after Retry-After seconds',
  503: 'Service Unavailable: a dependency is away; try again after Retry-After seconds'
}

/** The response schema of an error status. */
export function errorResponse (status: ErrorStatus) {
  return described(ERROR_DESCRIPTIONS[status], ErrorSchema)
}

/**
 * Response schemas for the error statuses a route can answer with: those given, plus the
 * 422 of its validation, the 429 of the global rate limit, which every route but the
 * probes has, and the 503 of a database that is away. A route that reads a body (any
 * POST, PUT, PATCH or DELETE) gives 413 and 415.
 */
export function errorResponses (...statuses: Array<400 | 401 | 403 | 404 | 409 | 412 | 413 | 415>) {
  return {
    ...Object.fromEntries([...statuses, 429 as const, 503 as const].map((status) => [status, errorResponse(status)])),
    422: described(ERROR_DESCRIPTIONS[422], ValidationErrorSchema)
  }
}
