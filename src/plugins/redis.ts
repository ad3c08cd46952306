import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import type { Config } from '../config.js'
import { createRedisCircuit, type RedisCircuit } from './redis-circuit.js'

// No offline queue: while Redis is away, commands fail at once rather than hold every request.
// ioredis is imported only when REDIS_URL is set, as loading it slows the start-up.
async function createRedis (url: string, timeoutMs: number): Promise<Redis> {
  const { Redis } = await import('ioredis')
  return new Redis(url, {
    connectTimeout: 2000, commandTimeout: timeoutMs, maxRetriesPerRequest: 1, enableOfflineQueue: false
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis | null
    redisCircuit: RedisCircuit | null
  }
}

/** @see https://github.com/redis/ioredis */
export default fp<{ config: Config }>(async function redis (fastify, { config }) {
  if (config.REDIS_URL === undefined) {
    fastify.decorate('redis', null)
    fastify.decorate('redisCircuit', null)
    return
  }
  const client = await createRedis(config.REDIS_URL, config.REDIS_TIMEOUT_MS)
  const circuit = createRedisCircuit(client, fastify.log)
  // Redis being away does not stop the boot: the client reconnects, and `/ready` answers 503 meanwhile.
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
