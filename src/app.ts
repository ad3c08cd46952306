import { randomUUID } from 'node:crypto'
import formbody from '@fastify/formbody'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify'
import { apiComponents } from './api-components.js'
import { trustProxySetting, type Config } from './config.js'
import errorHandler from './errors/error-handler.js'
import { rawErrorAnswers } from './errors/raw-answers.js'
import { turnBatchedStdout } from './lib/log-stream.js'
import authRoutes from './modules/auth/auth.routes.js'
import passwordRoutes from './modules/auth/password.routes.js'
import { createHandlers } from './modules/emails/index.js'
import postsRoutes from './modules/posts/posts.routes.js'
import productsRoutes from './modules/products/products.routes.js'
import systemRoutes from './modules/system/system.routes.js'
import uploadsRoutes from './modules/uploads/uploads.routes.js'
import searchRoutes from './modules/users/search.routes.js'
import { findUserById } from './modules/users/users.repository.js'
import usersRoutes from './modules/users/users.routes.js'
import v2Routes from './modules/v2/v2.routes.js'
import answersTogether from './plugins/answers-together.js'
import auth from './plugins/auth.js'
import cors from './plugins/cors.js'
import db from './plugins/db.js'
import docsPages from './plugins/docs-pages.js'
import drain from './plugins/drain.js'
import idempotency from './plugins/idempotency.js'
import inFlight from './plugins/in-flight.js'
import inputSafety from './plugins/input-safety.js'
import jobs from './plugins/jobs.js'
import metrics from './plugins/metrics.js'
import openapi from './plugins/openapi.js'
import rateLimit from './plugins/rate-limit.js'
import redis from './plugins/redis.js'
import requestLog, { acceptedRequestId } from './plugins/request-log.js'
import securityHeaders, { SECURITY_HEADERS } from './plugins/security-headers.js'
import { trailingSlashRedirects } from './plugins/trailing-slash.js'
import validation, { parseQueryString } from './plugins/validation.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export interface BuildOptions {
  /** A pino instance to log to instead of stdout (tests read the log through it). */
  loggerInstance?: FastifyServerOptions['loggerInstance']
}

const SECRET_KEYS = ['password', 'new_password', 'current_password', 'access_token', 'refresh_token', 'token', 'authorization', 'cookie']
// The logged fields that hold objects Agora does not build itself (errors, mails, job payloads).
const FOREIGN_OBJECTS = ['err', 'mail', 'payload']
// Redacted at the top of every line and two levels into the foreign objects (not `*.key`: README, "Logging").
const SECRET_PATHS = [
  ...SECRET_KEYS,
  ...FOREIGN_OBJECTS.flatMap((object) => SECRET_KEYS.flatMap((key) => [`${object}.${key}`, `${object}.*.${key}`]))
]

const v1Modules: FastifyPluginAsync[] = [
  usersRoutes, searchRoutes, authRoutes, passwordRoutes, productsRoutes, postsRoutes, uploadsRoutes
]

// Registered once under /api/v1; the guide's unprefixed paths are rewritten to it before routing (`aliasToV1`).
async function registerV1 (app: FastifyInstance, v1Roots: Set<string>): Promise<void> {
  await app.register(async function v1 (v1) {
    v1.addHook('onRoute', (route) => { v1Roots.add(firstSegment(route.url.slice(V1_PREFIX.length))) })
    for (const module of v1Modules) await v1.register(module)
  }, { prefix: V1_PREFIX })
}

const V1_PREFIX = '/api/v1'

function firstSegment (url: string): string {
  return /^\/([^/?#]*)/.exec(url)?.[1] ?? ''
}

function aliasToV1 (v1Roots: Set<string>) {
  return (url: string): string => v1Roots.has(firstSegment(url)) ? `${V1_PREFIX}${url}` : url
}

/** The only way to get an Agora app: the server, the CLI and the tests all call this. */
export async function buildApp (config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  // Filled as the v1 routes are registered, read for every request.
  const v1Roots = new Set<string>()
  const routedUrl = aliasToV1(v1Roots)
  const slashes = trailingSlashRedirects(routedUrl)
  const rawAnswers = rawErrorAnswers({ headers: SECURITY_HEADERS, acceptedRequestId })
  const app = Fastify({
    rewriteUrl (request) {
      const url = request.url ?? '/'
      return slashes.rewrite(this, request.method ?? 'GET', url) ?? routedUrl(url)
    },
    ...(options.loggerInstance !== undefined
      ? { loggerInstance: options.loggerInstance }
      : { logger: { level: config.LOG_LEVEL, redact: SECRET_PATHS, stream: turnBatchedStdout() } }),
    genReqId: (request) => acceptedRequestId(request.headers['x-request-id']) ?? randomUUID(),
    // Our own line per request (plugins/request-log.ts) replaces Fastify's, which logs the URL.
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT,
    trustProxy: trustProxySetting(config.TRUST_PROXY),
    // Fastify's default (0) lets a slow body hold a connection forever; Node looks for expired ones every 30 s.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: { connectionsCheckingInterval: Math.min(1000, config.REQUEST_TIMEOUT_MS) },
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // Fastify's 503 while closing lacks the contract's body; the server drains first instead (server.ts).
    return503OnClosing: false,
    clientErrorHandler: rawAnswers.clientError,
    frameworkErrors: rawAnswers.frameworkErrors((request, response) => app.routing(request, response)),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Any path Node lets in (16 KiB heads), so that an overlong id is its schema's 422, not the router's bare 414.
    routerOptions: { maxParamLength: 8192, querystringParser: parseQueryString }
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.server.headersTimeout = Math.min(10_000, config.REQUEST_TIMEOUT_MS)
  rawAnswers.watchExpectations(app.server)

  app.decorate('config', config)
  app.addHook('onRoute', slashes.learn)
  await app.register(db, { config })
  // What plugins need from features is handed to them here; no plugin imports a feature.
  await app.register(jobs, { config, handlers: createHandlers })
  await app.register(redis, { config })
  await app.register(validation)
  await app.register(errorHandler, { format: 'detail' })
  await app.register(metrics, { config })
  await app.register(requestLog)
  await app.register(drain)
  // After the request id, before everything that can refuse a request, so that 429s and
  // preflights carry these headers too; preflights end in cors before they are counted.
  await app.register(securityHeaders)
  await app.register(cors, { config })
  await app.register(rateLimit, { config })
  await app.register(inputSafety)
  await app.register(formbody, { bodyLimit: config.BODY_LIMIT })
  await app.register(auth, { config, findUser: async (id) => await findUserById(app.db, id) })
  await app.register(idempotency, { config })
  await app.register(inFlight)
  await app.register(answersTogether)
  await app.register(openapi, { components: apiComponents })
  await app.register(docsPages)
  await app.register(slashes.plugin)

  await app.register(systemRoutes)
  await registerV1(app, v1Roots)
  await app.register(v2Routes, { prefix: '/api/v2' })
  return app
}
