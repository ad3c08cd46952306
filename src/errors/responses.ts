import { STATUS_CODES } from 'node:http'
import { Type, type Static } from '@sinclair/typebox'
import { described } from '../lib/openapi.js'

// Every error shape: `{detail}` (v1 and the root) and RFC 9457 problem details (/api/v2).

export const ErrorSchema = Type.Object({ detail: Type.String() }, { description: 'An HTTP error' })

/** One problem with the request, in FastAPI's shape: where it is, what is wrong, its kind. */
export const ValidationIssueSchema = Type.Object({
  loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
  msg: Type.String(),
  type: Type.String()
})
export type ValidationIssue = Static<typeof ValidationIssueSchema>

export const ValidationErrorSchema = Type.Object(
  { detail: Type.Array(ValidationIssueSchema) }, { description: 'Validation error' }
)

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 429 | 503

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

export function errorResponse (status: ErrorStatus) {
  return described(ERROR_DESCRIPTIONS[status], ErrorSchema)
}

/** A route's error responses: those given (413 and 415 for a body), plus 422, 429 and 503, which all have. */
export function errorResponses (...statuses: Array<400 | 401 | 403 | 404 | 409 | 412 | 413 | 415>) {
  return {
    ...Object.fromEntries([...statuses, 429 as const, 503 as const].map((status) => [status, errorResponse(status)])),
    422: described(ERROR_DESCRIPTIONS[422], ValidationErrorSchema)
  }
}

export const PROBLEM_JSON = 'application/problem+json'

export const ProblemSchema = Type.Object({
  type: Type.String({ examples: ['about:blank'] }),
  title: Type.String({ description: 'The HTTP reason phrase' }),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.String({ description: 'The request path' }),
  errors: Type.Optional(Type.Array(ValidationIssueSchema, { description: 'On a 422: one entry per problem' }))
}, { description: 'An RFC 9457 problem detail' })

/** A v2 route's error responses, as problem+json: those given, plus 422, 429 and 503. */
export function problemResponses (...statuses: Array<401 | 403 | 404>) {
  return Object.fromEntries([...statuses, 422 as const, 429 as const, 503 as const].map((status) => [status, {
    description: ERROR_DESCRIPTIONS[status],
    content: { [PROBLEM_JSON]: { schema: ProblemSchema } }
  }]))
}

export function toProblem (status: number, detail: string | ValidationIssue[], instance: string) {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: typeof detail === 'string'
      ? detail
      : detail.map((issue) => `${issue.loc.join('.')}: ${issue.msg}`).join('; '),
    instance,
    ...(typeof detail === 'string' ? {} : { errors: detail })
  }
}

/** How a scope writes its errors: FastAPI's `{detail}`, or a problem detail. */
export type ErrorFormat = 'detail' | 'problem'

export function isV2Target (target: string): boolean {
  return /^\/api\/v2(?:[/?#]|$)/.test(target)
}

/** The format of errors for `target`, where no scope tells (outside Fastify). */
export function errorFormatOf (target: string): ErrorFormat {
  return isV2Target(target) ? 'problem' : 'detail'
}

export function errorContentType (format: ErrorFormat): string {
  return format === 'problem' ? PROBLEM_JSON : 'application/json'
}

/** The body of an error in `format`, answered at `path` (no query). */
export function errorBody (
  format: ErrorFormat, status: number, detail: string | ValidationIssue[], path: string
): object {
  return format === 'problem' ? toProblem(status, detail, path) : { detail }
}
