import type { ErrorObject } from 'ajv'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import FindMyWay, { type HTTPMethod } from 'find-my-way'
import {
  databaseUnavailable, INTERNAL_ERROR_DETAIL, methodNotAllowed, NotFound, RequestValidationError
} from './coded-errors.js'
import { isConnectionError } from './connection-errors.js'
import { errorBody, PROBLEM_JSON, type ErrorFormat, type ValidationIssue } from './responses.js'
import { BODY_ISSUES, toValidationIssues } from './validation-issues.js'

export interface ClassifiedError {
  statusCode: number
  detail: string | ValidationIssue[]
  headers: Record<string, string>
}

/** The status, detail and headers the contract gives any error thrown while serving. */
export function classifyError (error: FastifyError): ClassifiedError {
  const headers: Record<string, string> = {}
  if (error.validation !== undefined) {
    const issues = toValidationIssues(error.validation as ErrorObject[], error.validationContext ?? 'body')
    return { statusCode: 422, detail: issues, headers }
  }
  if (error instanceof RequestValidationError) return { statusCode: 422, detail: error.issues, headers }
  const bodyIssue = BODY_ISSUES[error.code]
  if (bodyIssue !== undefined) return { statusCode: 422, detail: [bodyIssue], headers }

  if (isConnectionError(error)) error = databaseUnavailable() as FastifyError
  const statusCode = error.statusCode ?? 500
  if (statusCode < 400 || (statusCode >= 500 && statusCode !== 503)) {
    return { statusCode: 500, detail: INTERNAL_ERROR_DETAIL, headers }
  }
  // `error.headers` as http-errors and Fastify's own handler read it (a 429's Retry-After).
  const own = (error as FastifyError & { headers?: unknown }).headers
  if (own !== null && typeof own === 'object') {
    for (const [name, value] of Object.entries(own)) if (typeof value === 'string') headers[name.toLowerCase()] = value
  }
  if (statusCode === 401) headers['www-authenticate'] = 'Bearer'
  return { statusCode, detail: error.message, headers }
}

// The methods each path has, learnt from the routes added from now on: none is a 404, some a 405.
export function trackRouteMethods (fastify: FastifyInstance): (path: string) => HTTPMethod[] {
  const methodsByPath = FindMyWay()
  const knownMethods = new Set<HTTPMethod>()
  fastify.addHook('onRoute', (route) => {
    // A catch-all (the CORS preflight's `OPTIONS *`) says nothing about which paths exist.
    if (route.url.endsWith('*')) return
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods as HTTPMethod[]) {
      knownMethods.add(method)
      if (!methodsByPath.hasRoute(method, route.url)) methodsByPath.on(method, route.url, () => {})
    }
  })
  return (path) => [...knownMethods].filter((method) => methodsByPath.find(method, path) !== null).sort()
}

function pathOf (request: FastifyRequest): string {
  return request.url.split('?', 1)[0] ?? '/'
}

/**
 * A scope's one error handler (every error, 404 and 405) in its `format`; register it before its routes.
 * @see https://fastify.dev/docs/latest/Reference/Server/#seterrorhandler
 */
export default fp<{ format: ErrorFormat }>(async function errorHandler (fastify, { format }) {
  const allowedMethods = trackRouteMethods(fastify)

  function notFoundError (request: FastifyRequest): Error {
    const allowed = allowedMethods(pathOf(request))
    return allowed.length > 0 ? methodNotAllowed(allowed) : new NotFound()
  }

  function send (request: FastifyRequest, reply: FastifyReply, error: FastifyError): FastifyReply {
    let answer = classifyError(error)
    // A body refused on a path no route serves: FastAPI answers 404 or 405 unread (a 429 stays).
    if (request.is404 && answer.statusCode !== 429) answer = classifyError(notFoundError(request) as FastifyError)
    const { statusCode, detail, headers } = answer
    // A 503 is expected while a dependency is away (and says so with Retry-After): not a bug.
    if (statusCode === 503) request.log.warn({ err: error }, 'request not served: service unavailable')
    else if (statusCode >= 500) request.log.error({ err: error }, 'request failed')
    reply.code(statusCode).headers(headers)
    if (format === 'problem') reply.type(PROBLEM_JSON)
    return reply.send(errorBody(format, statusCode, detail, pathOf(request)))
  }

  fastify.setNotFoundHandler(async function (request, reply) {
    return send(request, reply, notFoundError(request) as FastifyError)
  })
  fastify.setErrorHandler(async function (error, request, reply) {
    return send(request, reply, error as FastifyError)
  })
  // Under a prefix, a non-preflight OPTIONS would reach the root's catch-all: answered here instead.
  if (fastify.prefix !== '') {
    fastify.options('/*', { schema: { hide: true } }, async function (request, reply) {
      return send(request, reply, notFoundError(request) as FastifyError)
    })
  }
}, { name: 'error-handler' })
