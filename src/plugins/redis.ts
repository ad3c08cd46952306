import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import type { Config } from '../config.js'
import { createRedisCircuit, type RedisCircuit } from './redis-circuit.js'

/**
 * A client for REDIS_URL. Commands fail at once while the server is away (no offline
 * queue), rather than hold every request; the client keeps reconnecting meanwhile.
 * ioredis is loaded only then: it is a tenth of the start-up of a server without Redis.
 */
async function createRedis (url: string, timeoutMs: number): Promise<Redis> {
  const { Redis } = await import('ioredis')
  return new Redis(url, {
    connectTimeout: 2000, commandTimeout: timeoutMs, maxRetriesPerRequest: 1, enableOfflineQueue: false
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The Redis client when REDIS_URL is set, else null. */
    redis: Redis | null
    /** Whether Redis is away, and commands that give up at once while it is; null without Redis. */
    redisCircuit: RedisCircuit | null
  }
}

/**
 * Connects to REDIS_URL when it is set; closes the connection with the app. Losing Redis
 * is logged, not fatal: the client reconnects, and `/ready` answers 503 meanwhile.
 * @see https://github.com/redis/ioredis
 */
export default fp<{ config: Config }>(async function redis (fastify, { config }) {
  if (config.REDIS_URL === undefined) {
    fastify.decorate('redis', null)
    fastify.decorate('redisCircuit', null)
    return
  }
  const client = await createRedis(config.REDIS_URL, config.REDIS_TIMEOUT_MS)
  const circuit = createRedisCircuit(client, fastify.log)
  // Wait for the first connection (or the first failure: Redis being away does not stop the boot).
  await new Promise<void>((resolve) => {
    client.once('ready', resolve)
    client.once('error', () => resolve())
  })
  // Every failed reconnect emits one; the circuit logs the outage itself, once.
  client.on('error', (error: Error) => fastify.log.debug({ err: error }, 'redis connection error'))
  fastify.addHook('onClose', async () => {
    circuit.stop()
    if (client.status === 'ready') await client.quit()
    else client.disconnect()
  })
  fastify.decorate('redis', client)
  fastify.decorate('redisCircuit', circuit)
}, { name: 'redis' })
