import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import { serviceUnavailable } from '../../errors/coded-errors.js'
import { errorResponse } from '../../errors/responses.js'
import { countJobsByStatus, QUEUE_STATUSES } from '../../jobs/jobs.repository.js'
import { described } from '../../lib/openapi.js'
import { MessageSchema, noSecurity } from '../../schemas/common.js'
import { HealthSchema, ReadinessSchema } from './system.schemas.js'

// Health checks and scrapes: called often from one address, never rate limited.
const probe = { globalRateLimit: false } as const

const systemRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db, redis, redisCircuit, metrics, drain } = fastify

  fastify.get('/', {
    schema: {
      tags: ['system'],
      operationId: 'getRoot',
      summary: 'Welcome',
      security: noSecurity,
      response: { 200: described('`{"message": "Welcome to my API"}`', MessageSchema), 429: errorResponse(429) }
    }
  }, async function () {
    return { message: 'Welcome to my API' }
  })

  fastify.get('/health', {
    schema: {
      tags: ['system'],
      operationId: 'getHealth',
      summary: 'Liveness: the process is up',
      security: noSecurity,
      response: { 200: described('The process runs', HealthSchema) }
    },
    config: probe
  }, async function () {
    return { status: 'ok' }
  })

  fastify.get('/ready', {
    schema: {
      tags: ['system'],
      operationId: 'getReadiness',
      summary: 'Readiness: the database (and Redis, when configured) answers',
      security: noSecurity,
      response: { 200: described('Ready to serve, with the job queue\'s depth', ReadinessSchema), 503: errorResponse(503) }
    },
    config: probe
  }, async function (request) {
    // A draining instance is healthy but leaving: the proxy should send its traffic elsewhere.
    if (drain.draining) throw serviceUnavailable('shutting down', 5)
    try {
      await sql`select 1`.execute(db)
      if (redis !== null && redisCircuit !== null) await redisCircuit.run(async () => await redis.ping())
      return { status: 'ok', jobs: await countJobsByStatus(db, QUEUE_STATUSES) }
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed')
      throw serviceUnavailable('a dependency does not answer')
    }
  })

  if (metrics === null) return
  const { registry } = metrics
  fastify.get('/metrics', {
    schema: {
      tags: ['system'],
      operationId: 'getMetrics',
      summary: 'Prometheus metrics: requests by route, method and status; job queue depth; process figures',
      security: noSecurity,
      response: {
        200: { description: 'Prometheus text exposition format', content: { [registry.contentType]: { schema: Type.String() } } }
      }
    },
    config: probe
  }, async function (request, reply) {
    return reply.type(registry.contentType).send(await metrics.text())
  })
}

export default systemRoutes
