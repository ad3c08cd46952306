// The cheap duties every production answer carries, shared by the floors: a request id, the security headers,
// a pino line at `info` and a prom-client histogram, in one hook each way. `GET /` is also the health check.
import { randomUUID } from 'node:crypto'
import jwt from '@fastify/jwt'
import Fastify, { LogController } from 'fastify'
import { Histogram, Registry } from 'prom-client'

// The headers helmet gives Agora's API responses (plugins/security-headers.ts), computed once.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-site',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0'
}
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/
/** Agora's 401 body. */
export const UNAUTHORIZED = { detail: 'Could not validate credentials' }

/** Fastify with the duties, `GET /`, and @fastify/jwt verifying Agora's own tokens. */
export async function floorApp () {
  const registry = new Registry()
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response',
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry]
  })
  const app = Fastify({
    logger: { level: process.env.LOG_LEVEL ?? 'info' },
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    }
  })
  await app.register(jwt, { secret: process.env.JWT_SECRET, verify: { algorithms: ['HS256'], requiredClaims: ['exp', 'iat', 'sub'] } })

  app.addHook('onRequest', async (request, reply) => {
    reply.headers(SECURITY_HEADERS)
    reply.header('x-request-id', request.id)
  })
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    request.log.info({ method: request.method, route, status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request completed')
    duration.observe({ method: request.method, route, status_code: reply.statusCode }, reply.elapsedTime / 1000)
  })

  app.get('/', {
    schema: { response: { 200: { type: 'object', properties: { message: { type: 'string' } } } } }
  }, async function () {
    return { message: 'Welcome to my API' }
  })
  return app
}

/**
 * The caller of a request's Bearer token, with Agora's checks: an active user whose password did not change after
 * the token was issued. `userById` reads `id, role, is_active, tokens_valid_after` by primary key.
 */
export async function callerOf (request, userById) {
  let payload
  try {
    payload = await request.jwtVerify()
  } catch {
    return undefined
  }
  const caller = userById.get(Number(payload.sub))
  const revoked = caller !== undefined && caller.tokens_valid_after !== null && payload.iat <= caller.tokens_valid_after
  return caller === undefined || caller.is_active !== 1 || revoked ? undefined : caller
}

/** Listens on PORT; on SIGTERM closes the app, then `close` (the floor's database). */
export function listen (app, close = () => {}) {
  process.on('SIGTERM', () => { app.close().then(() => { close(); process.exit(0) }, () => process.exit(1)) })
  return app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
}
