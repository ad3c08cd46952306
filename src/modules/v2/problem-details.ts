import { STATUS_CODES } from 'node:http'
import { Type } from '@sinclair/typebox'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ValidationIssue } from '../../errors.js'
import { classifyError } from '../../plugins/error-classifier.js'
import { answersAsNotFound, trackRouteMethods } from '../../plugins/error-handler.js'
import { ERROR_DESCRIPTIONS, ValidationIssueSchema } from '../../schemas/common.js'

export const PROBLEM_JSON = 'application/problem+json'

export const ProblemSchema = Type.Object({
  type: Type.String({ examples: ['about:blank'] }),
  title: Type.String({ description: 'The HTTP reason phrase' }),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.String({ description: 'The request path' }),
  errors: Type.Optional(Type.Array(ValidationIssueSchema, { description: 'On a 422: one entry per problem' }))
}, { description: 'An RFC 9457 problem detail' })

/**
 * Response schemas for a v2 route's error statuses, served as problem+json: those given,
 * plus 422 (validation), 429 (the global rate limit) and 503 (a database that is away).
 */
export function problemResponses (...statuses: Array<401 | 403 | 404>) {
  return Object.fromEntries([...statuses, 422 as const, 429 as const, 503 as const].map((status) => [status, {
    description: ERROR_DESCRIPTIONS[status],
    content: { [PROBLEM_JSON]: { schema: ProblemSchema } }
  }]))
}

/** An RFC 9457 problem detail for an error answered at `instance` (a path, no query). */
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

function sendProblem (
  request: FastifyRequest, reply: FastifyReply, status: number, detail: string | ValidationIssue[], headers: Record<string, string> = {}
): FastifyReply {
  const problem = toProblem(status, detail, request.url.split('?', 1)[0] ?? '/')
  return reply.code(status).headers(headers).type(PROBLEM_JSON).send(problem)
}

/**
 * Makes `fastify`'s scope answer every error, unknown path (404) and wrong method (405)
 * as an RFC 9457 problem detail, classified exactly as v1 errors are. Call it before the
 * scope's routes are added: it learns their methods as they are.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export function useProblemDetails (fastify: FastifyInstance): void {
  const allowedMethods = trackRouteMethods(fastify)

  async function notFound (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const allowed = allowedMethods(request.url.split('?', 1)[0] ?? '/')
    if (allowed.length > 0) return sendProblem(request, reply, 405, 'Method Not Allowed', { allow: allowed.join(', ') })
    return sendProblem(request, reply, 404, 'Not Found')
  }

  fastify.setNotFoundHandler(notFound)
  // OPTIONS that is not a CORS preflight (those are answered before routing) would reach
  // the root's catch-all and its v1 answer; here it gets this scope's 404 or 405.
  fastify.options('/*', { schema: { hide: true } }, async function (request, reply) {
    return await notFound(request, reply)
  })

  fastify.setErrorHandler(async function (error, request, reply) {
    const { statusCode, detail, headers } = classifyError(error as FastifyError)
    if (answersAsNotFound(request, statusCode)) return await notFound(request, reply)
    // A 503 is expected while a dependency is away (and says so with Retry-After): not a bug.
    if (statusCode === 503) request.log.warn({ err: error }, 'request not served: service unavailable')
    else if (statusCode >= 500) request.log.error({ err: error }, 'request failed')
    return sendProblem(request, reply, statusCode, detail, headers)
  })
}
