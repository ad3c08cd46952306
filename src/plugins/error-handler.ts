import type { FastifyError, FastifyInstance } from 'fastify'
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
    if (route.url === '*' || route.url === '/*') return
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods as HTTPMethod[]) {
      knownMethods.add(method)
      if (!methodsByPath.hasRoute(method, route.url)) methodsByPath.on(method, route.url, () => {})
    }
  })
  return (path) => [...knownMethods].filter((method) => methodsByPath.find(method, path) !== null).sort()
}

/**
 * Writes every error as FastAPI does (`{detail}`), answers unknown routes with 404 and
 * known paths with a wrong method with 405 and `Allow`.
 * @see https://fastify.dev/docs/latest/Reference/Server/#seterrorhandler
 */
export default fp(async function errorHandler (fastify) {
  const allowedMethods = trackRouteMethods(fastify)

  fastify.setNotFoundHandler(async function (request, reply) {
    const allowed = allowedMethods(request.url.split('?', 1)[0] ?? '/')
    if (allowed.length > 0) {
      return reply.code(405).header('allow', allowed.join(', ')).send({ detail: 'Method Not Allowed' })
    }
    return reply.code(404).send({ detail: 'Not Found' })
  })

  fastify.setErrorHandler(async function (error, request, reply) {
    const { statusCode, detail, headers } = classifyError(error as FastifyError)
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed')
    return reply.code(statusCode).headers(headers).send({ detail })
  })
}, { name: 'error-handler' })
