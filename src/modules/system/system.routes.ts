import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import { serviceUnavailable } from '../../errors.js'
import { ErrorSchema } from '../../schemas/common.js'
import { countJobsByStatus, QUEUE_STATUSES } from '../jobs/jobs.repository.js'

const StatusSchema = Type.Object({ status: Type.String() })

// Health checks and scrapes: called often from one address, never rate limited.
const probe = { globalRateLimit: false } as const

const ReadySchema = Type.Object({
  status: Type.String(),
  jobs: Type.Object({
    queued: Type.Integer({ description: 'Waiting to run, retries included' }),
    running: Type.Integer(),
    failed: Type.Integer({ description: 'Out of attempts; `agora jobs retry ID` queues one again' })
  }, { description: 'Queue depth by status' })
})

const systemRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db, redis, redisCircuit, metrics, drain } = fastify

  fastify.get('/', {
    schema: { tags: ['system'], summary: 'Welcome', response: { 200: Type.Object({ message: Type.String() }), 429: ErrorSchema } }
  }, async function () {
    return { message: 'Welcome to my API' }
  })

  fastify.get('/health', {
    schema: { tags: ['system'], summary: 'Liveness: the process is up', response: { 200: StatusSchema } },
    config: probe
  }, async function () {
    return { status: 'ok' }
  })

  fastify.get('/ready', {
    schema: {
      tags: ['system'],
      summary: 'Readiness: the database (and Redis, when configured) answers',
      response: { 200: ReadySchema, 503: ErrorSchema }
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
      summary: 'Prometheus metrics: requests by route, method and status; job queue depth; process figures',
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
