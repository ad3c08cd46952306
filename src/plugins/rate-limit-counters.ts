import cluster, { type Worker } from 'node:cluster'
import { createRequire } from 'node:module'
import type { FastifyRateLimitStore } from '@fastify/rate-limit'
import type { Redis } from 'ioredis'
import { LinkedList } from '../lib/linked-list.js'
import type { RedisCircuit } from './redis-circuit.js'

export type Store = Pick<FastifyRateLimitStore, 'incr'>
type Incr = Parameters<Store['incr']>

// The package's own counters.
const require = createRequire(import.meta.url)
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as
  new (continueExceeding: boolean, exponentialBackoff: boolean, cache: number) => Store
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as
  new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, key: string) => Store

/** One LRU per limit (the key's prefix), so that a flood of new clients on one limit cannot evict another's. */
export function localCounters (cacheSize: number): Store {
  const stores = new Map<string, Store>()
  return {
    incr (key, callback, timeWindow, max) {
      const name = key.slice(0, key.indexOf(':'))
      let store = stores.get(name)
      if (store === undefined) stores.set(name, store = new LocalStore(false, false, cacheSize))
      store.incr(key, callback, timeWindow, max)
    }
  }
}

/** Counters in Redis, shared by every instance; `fallback` counts while the circuit is open or a command fails. */
export function redisCounters (redis: Redis, circuit: RedisCircuit, keyPrefix: string, fallback: Store): Store {
  const shared = new RedisStore(false, false, redis, keyPrefix)
  return {
    incr (key, callback, timeWindow, max) {
      if (circuit.open) return fallback.incr(key, callback, timeWindow, max)
      shared.incr(key, (error, result) => {
        if (error === null || error === undefined) return callback(error, result)
        circuit.record(error)
        fallback.incr(key, callback, timeWindow, max)
      }, timeWindow, max)
    }
  }
}

/** One store for every limit, as the keys name the limit (the package's own stores key by route method and URL). */
export function rateLimitStore (counters: Store): new () => FastifyRateLimitStore {
  return class Counters implements FastifyRateLimitStore {
    incr (...args: Incr): void { counters.incr(...args) }
    child (): FastifyRateLimitStore { return this }
  }
}

const REQUEST = 'agora:rate-limit:incr'
const RESPONSE = 'agora:rate-limit:result'
// A primary that does not answer in this time is taken as gone: the request is not counted.
const ANSWER_TIMEOUT_MS = 2000

interface IncrRequest { type: typeof REQUEST, id: number, key: string, timeWindow: number, max: number }
interface IncrResponse { type: typeof RESPONSE, id: number, current?: number, ttl?: number, error?: string }

/** In a cluster worker: the primary's counters, so that a client gets its limit once per machine, not per worker. */
export function clusterCounters (): Store {
  // Not a Map keyed by id: one entry in and out per request (lib/linked-list.ts).
  const pending = new LinkedList<{ id: number, callback: Incr[1], timer: NodeJS.Timeout }>()
  let next = 0
  process.on('message', (message: IncrResponse) => {
    if (message?.type !== RESPONSE) return
    const entry = pending.take((entry) => entry.id === message.id)
    if (entry === undefined) return
    clearTimeout(entry.timer)
    if (message.error !== undefined) entry.callback(new Error(message.error), { current: 0, ttl: 0 })
    else entry.callback(null, { current: message.current ?? 0, ttl: message.ttl ?? 0 })
  })
  return {
    incr (key, callback, timeWindow, max) {
      const id = next++
      const timer = setTimeout(() => {
        pending.remove(link)
        callback(new Error('The cluster primary did not answer'), { current: 0, ttl: 0 })
      }, ANSWER_TIMEOUT_MS)
      const link = pending.add({ id, callback, timer })
      const request: IncrRequest = { type: REQUEST, id, key, timeWindow, max }
      process.send?.(request)
    }
  }
}

/** In the primary: keeps the counters for every worker (see clusterCounters). */
export function serveClusterCounters (cacheSize: number): void {
  const counters = localCounters(cacheSize)
  cluster.on('message', (worker: Worker, message: IncrRequest) => {
    if (message?.type !== REQUEST) return
    counters.incr(message.key, (error, result) => {
      const response: IncrResponse = (error === null || error === undefined) && result !== undefined
        ? { type: RESPONSE, id: message.id, current: result.current, ttl: result.ttl }
        : { type: RESPONSE, id: message.id, error: String(error) }
      if (worker.isConnected()) worker.send(response)
    }, message.timeWindow, message.max)
  })
}
