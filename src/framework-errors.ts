import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { errorAnswer } from './error-answer.js'

type Route = (request: IncomingMessage, response: ServerResponse) => void

/**
 * The URL with every percent sign that starts no decodable escape written as `%25`, so
 * that `%ZZ` or a cut UTF-8 sequence is read as the literal text it is, as uvicorn reads
 * it: `/products/%ZZ` is then a product id that is not an integer (422) and `/nope/%ZZ`
 * an unknown path (404). The query string is left alone.
 */
export function lenientUrl (url: string): string {
  const queryAt = url.indexOf('?')
  const path = queryAt === -1 ? url : url.slice(0, queryAt)
  const fixed = path
    .replace(/%(?![0-9A-Fa-f]{2})/g, '%25')
    .replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        decodeURIComponent(run)
        return run
      } catch {
        return run.replaceAll('%', '%25')
      }
    })
  return queryAt === -1 ? fixed : fixed + url.slice(queryAt)
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route or hook runs. A
 * path with broken percent-encoding is routed again as literal text; a path segment longer
 * than the router takes gets the contract's shape, the security headers and a request id.
 */
export function frameworkErrorHandler (route: Route) {
  return function (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const url = request.raw.url ?? '/'
    const lenient = lenientUrl(url)
    // Unchanged, it would come straight back here: it fails for a reason of its own.
    if (error.code === 'FST_ERR_BAD_URL' && lenient !== url) {
      request.raw.url = lenient
      route(request.raw, reply.raw)
      return
    }
    // No hook runs for these requests: the headers and the request id are set here.
    const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    const status = tooLong ? 414 : 400
    const { headers, body } = errorAnswer(url, status, tooLong ? 'URI Too Long' : 'Bad Request: the URL cannot be decoded', request.id)
    reply.code(status).headers(headers).send(body)
  }
}
