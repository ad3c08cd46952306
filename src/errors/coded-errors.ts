import createError from '@fastify/error'
import type { ValidationIssue } from './responses.js'

// Every error Agora answers with on purpose; error-handler.ts turns them (and Fastify's) into the contract's bodies.

export const UserNotFound = createError<[string | number]>('AGORA_USER_NOT_FOUND', 'User %s not found', 404)
export const EmailTaken = createError('AGORA_EMAIL_TAKEN', 'Email already registered', 409)
export const ProductNotFound = createError<[string | number]>('AGORA_PRODUCT_NOT_FOUND', 'Product %s not found', 404)
export const PostNotFound = createError<[string | number]>('AGORA_POST_NOT_FOUND', 'Post %s not found', 404)
export const UploadNotFound = createError<[string]>('AGORA_UPLOAD_NOT_FOUND', 'Upload %s not found', 404)
/** A path that no route serves. */
export const NotFound = createError('AGORA_NOT_FOUND', 'Not Found', 404)
/** A path that routes serve, but not with this method; see `methodNotAllowed`. */
export const MethodNotAllowed = createError('AGORA_METHOD_NOT_ALLOWED', 'Method Not Allowed', 405)
/** A JSON body in a charset other than UTF-8: never decoded as if it were UTF-8. */
export const UnsupportedCharset = createError<[string]>(
  'AGORA_UNSUPPORTED_CHARSET', 'Unsupported Media Type: a JSON body must be UTF-8, not %s', 415
)
export const NotMultipart = createError('AGORA_NOT_MULTIPART', 'Unsupported Media Type: send multipart/form-data', 415)
export const UploadTypeNotAllowed = createError<[string, string]>(
  'AGORA_UPLOAD_TYPE_NOT_ALLOWED', 'Unsupported Media Type: %s is %s, which is not an allowed upload type', 415
)
export const UploadTooLarge = createError<[string, number]>(
  'AGORA_UPLOAD_TOO_LARGE', 'File too large: %s is over the limit of %d bytes', 413
)
export const TooManyUploadParts = createError<[string]>('AGORA_TOO_MANY_UPLOAD_PARTS', 'Too many parts in the form: %s', 413)
export const MalformedMultipart = createError(
  'AGORA_MALFORMED_MULTIPART', 'There was an error parsing the multipart body', 400
)
/** An `If-Match` that names a version other than the current one: the client edited a stale copy. */
export const PreconditionFailed = createError(
  'AGORA_PRECONDITION_FAILED', 'Precondition Failed: the resource has changed since it was read', 412
)

export const InvalidCredentials = createError('AGORA_INVALID_CREDENTIALS', 'Invalid credentials', 401)
export const NotAuthenticated = createError('AGORA_NOT_AUTHENTICATED', 'Not authenticated', 401)
export const InvalidToken = createError('AGORA_INVALID_TOKEN', 'Could not validate credentials', 401)
/** Signed in, but neither the owner nor an admin, or not of the role a route needs. */
export const NotEnoughPermissions = createError('AGORA_FORBIDDEN', 'Not enough permissions', 403)
export const AdminOnlySort = createError<[string]>('AGORA_ADMIN_ONLY_SORT', 'Only admins may sort by %s', 403)
/** Thrown by plugins/rate-limit.ts with a `retry-after` header; the argument reads "N seconds". */
export const RateLimited = createError<[string]>('AGORA_RATE_LIMITED', 'Rate limit exceeded, retry in %s', 429)
export const InvalidRefreshToken = createError('AGORA_INVALID_REFRESH_TOKEN', 'Invalid or expired refresh token', 401)
export const IncorrectPassword = createError('AGORA_INCORRECT_PASSWORD', 'Incorrect password', 400)
export const InvalidResetToken = createError('AGORA_INVALID_RESET_TOKEN', 'Invalid or expired token', 400)
export const InvalidIdempotencyKey = createError(
  'AGORA_INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1 to 255 characters', 400
)
export const IdempotencyKeyInUse = createError(
  'AGORA_IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed; retry later', 409
)

/** Thrown with a `retry-after` header when the instance cannot serve a request now (draining, a dependency away). */
export const ServiceUnavailable = createError<[string]>('AGORA_UNAVAILABLE', 'Service unavailable: %s', 503)
export const DatabaseUnavailable = createError(
  'AGORA_DATABASE_UNAVAILABLE', 'Service temporarily unavailable: retry shortly', 503
)

/** The answer to any error that is not the client's: its cause goes to the log only. */
export const INTERNAL_ERROR_DETAIL = 'Internal server error'

// `error` with response headers, which the error handler sends with its answer.
function withHeaders (error: Error, headers: Record<string, string>): Error {
  return Object.assign(error, { headers })
}

export function serviceUnavailable (reason: string, retryAfterSeconds = 1): Error {
  return withHeaders(new ServiceUnavailable(reason), { 'retry-after': String(retryAfterSeconds) })
}

/** A database connection was lost or refused: worth a retry, not a 500. */
export function databaseUnavailable (): Error {
  return withHeaders(new DatabaseUnavailable(), { 'retry-after': '1' })
}

export function methodNotAllowed (allowed: string[]): Error {
  return withHeaders(new MethodNotAllowed(), { allow: allowed.join(', ') })
}

export function rateLimited (seconds: number): Error {
  return withHeaders(new RateLimited(seconds === 1 ? '1 second' : `${seconds} seconds`), { 'retry-after': String(seconds) })
}

/** A 422 built by Agora itself (outside JSON Schema), carrying FastAPI-style issues. */
export class RequestValidationError extends Error {
  readonly statusCode = 422
  readonly code = 'AGORA_VALIDATION'
  constructor (readonly issues: ValidationIssue[]) {
    super(issues.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('; '))
  }
}
