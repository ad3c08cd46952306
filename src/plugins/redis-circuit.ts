import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import { serviceUnavailable } from '../errors/coded-errors.js'

const PROBE_INTERVAL_MS = 1000

/** After a failure, calls fail at once until a background ping answers; an outage is logged as it starts and ends. */
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
    get open (): boolean { return open },
    /** Records the outcome of a command run outside `run` (a callback API). */
    record (error: unknown): void {
      if (error === null || error === undefined) return
      trip(error)
    },
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
