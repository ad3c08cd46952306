import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import { serviceUnavailable } from '../errors/coded-errors.js'

/** How often a background ping looks whether Redis is back. */
const PROBE_INTERVAL_MS = 1000

/**
 * A circuit breaker around Redis: after a failure, callers are told at once that Redis is
 * away until a background ping answers; the outage is logged when it starts and ends.
 */
export function createRedisCircuit (client: Redis, log: FastifyBaseLogger) {
  let open = false
  let probe: NodeJS.Timeout | undefined

  function close (): void {
    if (!open) return
    open = false
    clearInterval(probe)
    log.info('redis is back: rate limits are shared again')
  }

  function trip (error: unknown): void {
    if (open) return
    open = true
    log.error({ err: error }, 'redis unavailable: rate limits count in this instance\'s memory until it is back')
    let probing = false
    probe = setInterval(() => {
      if (probing) return
      probing = true
      client.ping().then(close, () => {}).finally(() => { probing = false })
    }, PROBE_INTERVAL_MS).unref()
  }

  return {
    /** True while Redis is considered away. */
    get open (): boolean { return open },
    /** Records the outcome of a command run outside `run` (a callback API). */
    record (error: unknown): void {
      if (error === null || error === undefined) return
      trip(error)
    },
    /** Runs `command` unless Redis is known to be away; a failure opens the circuit. */
    async run<T> (command: () => Promise<T>): Promise<T> {
      if (open) throw serviceUnavailable('Redis does not answer')
      try {
        return await command()
      } catch (error) {
        trip(error)
        throw error
      }
    },
    stop (): void { clearInterval(probe) }
  }
}

export type RedisCircuit = ReturnType<typeof createRedisCircuit>
