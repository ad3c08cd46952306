import { randomUUID } from 'node:crypto'
import formbody from '@fastify/formbody'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify'
import { answerClientError } from './client-error.js'
import { frameworkErrorHandler } from './framework-errors.js'
import { trustProxySetting, type Config } from './config.js'
import authRoutes from './modules/auth/auth.routes.js'
import passwordRoutes from './modules/auth/password.routes.js'
import postsRoutes from './modules/posts/posts.routes.js'
import productsRoutes from './modules/products/products.routes.js'
import systemRoutes from './modules/system/system.routes.js'
import uploadsRoutes from './modules/uploads/uploads.routes.js'
import searchRoutes from './modules/users/search.routes.js'
import usersRoutes from './modules/users/users.routes.js'
import v2Routes from './modules/v2/v2.routes.js'
import auth from './plugins/auth.js'
import cors from './plugins/cors.js'
import db from './plugins/db.js'
import drain from './plugins/drain.js'
import errorHandler from './plugins/error-handler.js'
import idempotency from './plugins/idempotency.js'
import inFlight from './plugins/in-flight.js'
import inputSafety from './plugins/input-safety.js'
import jobs from './plugins/jobs.js'
import metrics from './plugins/metrics.js'
import openapi from './plugins/openapi.js'
import rateLimit from './plugins/rate-limit.js'
import redis from './plugins/redis.js'
import requestLog, { acceptedRequestId } from './plugins/request-log.js'
import securityHeaders from './plugins/security-headers.js'
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

/** Redacted wherever they appear in a logged object, however deep. */
const SECRET_PATHS = ['password', 'new_password', 'current_password', 'access_token', 'refresh_token', 'token', 'authorization', 'cookie']

/** The v1 resource routes, served under /api/v1 and again at the guide's unprefixed paths. */
const v1Modules: FastifyPluginAsync[] = [usersRoutes, searchRoutes, authRoutes, passwordRoutes, productsRoutes, postsRoutes, uploadsRoutes]

async function registerV1 (app: FastifyInstance): Promise<void> {
  for (const module of v1Modules) await app.register(module, { prefix: '/api/v1' })
  await app.register(async function unprefixedAliases (aliases) {
    // Same handlers, documented once: the aliases stay out of the OpenAPI document.
    aliases.addHook('onRoute', (route) => { route.schema = { ...route.schema, hide: true } })
    for (const module of v1Modules) await aliases.register(module)
  })
}

/** The only way to get an Agora app: the server, the CLI and the tests all call this. */
export async function buildApp (config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance !== undefined
      ? { loggerInstance: options.loggerInstance }
      : { logger: { level: config.LOG_LEVEL, redact: SECRET_PATHS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]) } }),
    genReqId: (request) => acceptedRequestId(request.headers['x-request-id']) ?? randomUUID(),
    // Our own line per request (plugins/request-log.ts) replaces Fastify's, which logs the URL.
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT,
    // request.ip, and so the rate limits' client, comes from X-Forwarded-For only for these proxies.
    trustProxy: trustProxySetting(config.TRUST_PROXY),
    // Fastify's requestTimeout of 0 would let a slow body hold a connection forever, and
    // Node only looks for expired requests every 30 s unless told otherwise.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: { connectionsCheckingInterval: Math.min(1000, config.REQUEST_TIMEOUT_MS) },
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // Fastify's own 503 while closing has neither the contract's body nor Retry-After. The
    // server drains before it closes (server.ts), so the few requests that still come on
    // an open connection are served, each with `Connection: close`.
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
    frameworkErrors: frameworkErrorHandler((request, response) => app.routing(request, response)),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Long enough for any path a client sends (Node caps the whole head at 16 KiB), so that
    // an overlong id is a 422 from its schema rather than the router's bare 414.
    routerOptions: { maxParamLength: 8192, querystringParser: parseQueryString }
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.server.headersTimeout = Math.min(10_000, config.REQUEST_TIMEOUT_MS)

  app.decorate('config', config)
  await app.register(db, { config })
  await app.register(jobs, { config })
  await app.register(redis, { config })
  await app.register(validation)
  await app.register(errorHandler)
  await app.register(requestLog)
  await app.register(metrics, { config })
  await app.register(drain)
  // After the request id, before everything that can refuse a request, so that 429s and
  // preflights carry these headers too; preflights end in cors before they are counted.
  await app.register(securityHeaders)
  await app.register(cors, { config })
  await app.register(rateLimit, { config })
  await app.register(inputSafety)
  await app.register(formbody, { bodyLimit: config.BODY_LIMIT })
  await app.register(auth, { config })
  await app.register(idempotency, { config })
  await app.register(inFlight)
  await app.register(openapi)

  await app.register(systemRoutes)
  await registerV1(app)
  await app.register(v2Routes, { prefix: '/api/v2' })
  return app
}
