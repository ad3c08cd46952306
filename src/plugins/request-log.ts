import fp from 'fastify-plugin'

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/

/** The client's `X-Request-ID` when it is safe to echo and log, else undefined. */
export function acceptedRequestId (header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : undefined
}

/** Logs and times each answer by route template: Fastify's request log is off (app.ts), as URLs can carry secrets. */
export default fp(async function requestLog (fastify) {
  const { metrics } = fastify
  fastify.addHook('onRequest', function (request, reply, done) {
    reply.header('x-request-id', request.id)
    done()
  })

  fastify.addHook('onResponse', function (request, reply, done) {
    const route = request.routeOptions.url
    const milliseconds = reply.elapsedTime
    request.log.info({
      method: request.method,
      route: route ?? null,
      status: reply.statusCode,
      duration_ms: Math.round(milliseconds * 100) / 100
    }, 'request completed')
    metrics?.observeRequest(request.method, route, reply.statusCode, milliseconds / 1000)
    done()
  })
}, { name: 'request-log', dependencies: ['metrics'] })
