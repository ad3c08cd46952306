import fp from 'fastify-plugin'

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/

/** The client's `X-Request-ID` when it is safe to echo and log, else undefined. */
export function acceptedRequestId (header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : undefined
}

/**
 * Echoes the request id on every response and writes one line per request. Fastify's own
 * request logging is off (app.ts): it logs the URL, which can carry secrets in its query.
 */
export default fp(async function requestLog (fastify) {
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })

  fastify.addHook('onResponse', async (request, reply) => {
    request.log.info({
      method: request.method,
      route: request.routeOptions.url ?? null,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100
    }, 'request completed')
  })
}, { name: 'request-log' })
