// The floor of Agora's authenticated read: `GET /api/v1/users/{id}` written minimally on
// Agora's own stack (Fastify, @fastify/jwt, prepared better-sqlite3 statements on Agora's
// seeded database file, a response schema), plus the cheap duties every production answer
// carries: a request id, security headers from one precomputed object, a pino line at
// `info` and a prom-client histogram, all in one hook. It verifies Agora's own tokens (the
// same secret, HS256 only) and applies the same checks to the caller. `GET /` shows what
// the duties cost on their own. Issue 8: Agora's read must reach 80 % of this one.
import { randomUUID } from 'node:crypto'
import jwt from '@fastify/jwt'
import Database from 'better-sqlite3'
import Fastify, { LogController } from 'fastify'
import { Histogram, Registry } from 'prom-client'

const db = new Database(process.env.DATABASE_PATH, { fileMustExist: true })
db.pragma('busy_timeout = 5000')
const userById = db.prepare('select id, name, email, age, role, is_active, created_at, tokens_valid_after from users where id = ?')

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

const UserSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    email: { type: 'string' },
    age: { type: ['integer', 'null'] },
    role: { type: 'string' },
    is_active: { type: 'boolean' },
    created_at: { type: 'string' }
  }
}

app.get('/api/v1/users/:user_id', {
  schema: {
    params: { type: 'object', properties: { user_id: { type: 'integer', minimum: 1 } }, required: ['user_id'] },
    response: { 200: UserSchema }
  }
}, async function (request, reply) {
  let payload
  try {
    payload = await request.jwtVerify()
  } catch {
    return reply.code(401).send({ detail: 'Could not validate credentials' })
  }
  // The same checks as Agora's: an active caller whose password changed before the token.
  const caller = userById.get(Number(payload.sub))
  const revoked = caller !== undefined && caller.tokens_valid_after !== null && payload.iat <= caller.tokens_valid_after
  if (caller === undefined || caller.is_active !== 1 || revoked) {
    return reply.code(401).send({ detail: 'Could not validate credentials' })
  }
  const user = userById.get(request.params.user_id)
  if (user === undefined) return reply.code(404).send({ detail: `User ${request.params.user_id} not found` })
  const maySee = caller.id === user.id || caller.role === 'admin'
  return {
    id: user.id,
    name: user.name,
    role: user.role,
    is_active: user.is_active === 1,
    created_at: user.created_at,
    ...(maySee ? { email: user.email, age: user.age } : {})
  }
})

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })

process.on('SIGTERM', () => { app.close().then(() => { db.close(); process.exit(0) }, () => process.exit(1)) })
