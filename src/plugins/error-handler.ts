import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import FindMyWay, { type HTTPMethod } from 'find-my-way'
import { classifyError } from './error-classifier.js'

/**
 * Learns the methods of every route added to `fastify` from now on, and returns what
 * tells a not-found handler which methods a path has (none: a 404; some: a 405).
 * Fastify answers a wrong method with 404; this second router tells the two apart.
 */
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

/**
 * True for an error on a path no route serves, other than a rate limit: the body was read
 * (and refused: malformed, too large, of the wrong type) before the route was known to be
 * missing, but the answer is the 404 or 405 that FastAPI gives without reading it.
 */
export function answersAsNotFound (request: FastifyRequest, statusCode: number): boolean {
  return request.is404 && statusCode !== 429
}

/**
 * Writes every error as FastAPI does (`{detail}`), answers unknown routes with 404 and
 * known paths with a wrong method with 405 and `Allow`.
 * @see https://fastify.dev/docs/latest/Reference/Server/#seterrorhandler
 */
export default fp(async function errorHandler (fastify) {
  const allowedMethods = trackRouteMethods(fastify)

  async function notFound (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const allowed = allowedMethods(request.url.split('?', 1)[0] ?? '/')
    if (allowed.length > 0) {
      return reply.code(405).header('allow', allowed.join(', ')).send({ detail: 'Method Not Allowed' })
    }
    return reply.code(404).send({ detail: 'Not Found' })
  }

  fastify.setNotFoundHandler(notFound)

  fastify.setErrorHandler(async function (error, request, reply) {
    const { statusCode, detail, headers } = classifyError(error as FastifyError)
    if (answersAsNotFound(request, statusCode)) return await notFound(request, reply)
    // A 503 is expected while a dependency is away (and says so with Retry-After): not a bug.
    if (statusCode === 503) request.log.warn({ err: error }, 'request not served: service unavailable')
    else if (statusCode >= 500) request.log.error({ err: error }, 'request failed')
    return reply.code(statusCode).headers(headers).send({ detail })
  })
}, { name: 'error-handler' })
