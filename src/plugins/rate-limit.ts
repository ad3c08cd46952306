import cluster from 'node:cluster'
import rateLimit, { normalizeIP, type RateLimitOptions } from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ConfigError, type Config } from '../config.js'
import { rateLimited } from '../errors/coded-errors.js'
import { clusterCounters, localCounters, rateLimitStore, redisCounters } from './rate-limit-counters.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: exempt from RATE_LIMIT_GLOBAL, so that frequent probes and scrapes from one address never get a 429. */
    globalRateLimit?: false
  }
}

const VARIABLES = {
  global: 'RATE_LIMIT_GLOBAL',
  usersList: 'RATE_LIMIT_USERS_LIST',
  login: 'RATE_LIMIT_LOGIN',
  signup: 'RATE_LIMIT_SIGNUP',
  passwordReset: 'RATE_LIMIT_PASSWORD_RESET'
} as const satisfies Record<string, keyof Config>

export type LimitName = keyof typeof VARIABLES

const UNIT_MS = { second: 1000, minute: 60_000, hour: 3_600_000 }

export interface Rate {
  max: number
  /** In milliseconds. */
  timeWindow: number
}

export function parseRate (value: string, variable: string): Rate {
  const match = /^([1-9]\d{0,8})\/(second|minute|hour)$/.exec(value)
  if (match === null) throw new ConfigError(`${variable} must be N/second, N/minute or N/hour (e.g. 10/minute), not "${value}"`)
  return { max: Number(match[1]), timeWindow: UNIT_MS[match[2] as keyof typeof UNIT_MS] }
}

// A client is its address (IPv6 by /64 network), which Fastify takes from X-Forwarded-For only under TRUST_PROXY.
function clientOf (request: FastifyRequest): string {
  return normalizeIP(request.ip)
}

// Login attempts count per client and e-mail (JSON `email` or the form's `username`).
function clientAndEmailOf (request: FastifyRequest): string {
  const body = request.body as { email?: unknown, username?: unknown } | null | undefined
  const email = body?.email ?? body?.username
  return `${clientOf(request)}|${typeof email === 'string' ? email.trim().toLowerCase() : ''}`
}

// `name:client`: the limit's name comes first, so that one store serves them all (rate-limit-counters.ts).
function keyFor (name: LimitName): (request: FastifyRequest) => string {
  const client = name === 'login' ? clientAndEmailOf : clientOf
  return (request) => `${name}:${client(request)}`
}

/** A contract-limited route's `config.rateLimit`, on top of the global one; ignored unless RATE_LIMIT_ENABLED. */
export function routeRateLimit (config: Config, name: Exclude<LimitName, 'global'>): RateLimitOptions {
  return {
    ...parseRate(config[VARIABLES[name]], VARIABLES[name]),
    keyGenerator: keyFor(name),
    // The e-mail is in the body, which is parsed after onRequest.
    ...(name === 'login' ? { hook: 'preHandler' as const } : {})
  }
}

function limitExceeded (ttlMs: number): Error {
  return rateLimited(Math.max(1, Math.ceil(ttlMs / 1000)))
}

/**
 * RATE_LIMIT_GLOBAL on every request, unknown routes included; a route's own limit on top. A 429
 * is thrown, for the error handler to write. @see https://github.com/fastify/fastify-rate-limit
 */
export default fp<{ config: Config }>(async function rateLimitPlugin (fastify, { config }) {
  if (!config.RATE_LIMIT_ENABLED) return
  const { redis, redisCircuit } = fastify
  const local = cluster.isWorker ? clusterCounters() : localCounters(config.RATE_LIMIT_CACHE_SIZE)
  // Redis away: count in this instance's memory rather than let every client through.
  const counters = redis !== null && redisCircuit !== null
    ? redisCounters(redis, redisCircuit, `${config.REDIS_KEY_PREFIX}rate-limit:`, local)
    : local

  await fastify.register(rateLimit, {
    global: false, // the global limit is the hook below, which also counts routes that have their own
    store: rateLimitStore(counters),
    // When the counters cannot be reached at all (in a cluster, the primary is gone), serve rather than fail.
    skipOnError: true,
    errorResponseBuilder: (request, context) => limitExceeded(context.ttl),
    onExceeded: (request, key) => request.log.warn({ limit: key.slice(0, key.indexOf(':')) }, 'rate limit exceeded')
  })

  const globalLimit = fastify.createRateLimit({ ...parseRate(config.RATE_LIMIT_GLOBAL, VARIABLES.global), keyGenerator: keyFor('global') })
  fastify.addHook('onRequest', async function globalRateLimit (request, reply) {
    if (request.routeOptions.config.globalRateLimit === false) return
    const limit = await globalLimit(request)
    if (limit.isAllowed) return
    // A route with its own limit sets these headers again, later, for that limit.
    reply.header('x-ratelimit-limit', limit.max)
      .header('x-ratelimit-remaining', limit.remaining)
      .header('x-ratelimit-reset', limit.ttlInSeconds)
    if (limit.isExceeded) {
      request.log.warn({ limit: 'global' }, 'rate limit exceeded')
      throw limitExceeded(limit.ttl)
    }
  })
}, { name: 'rate-limit', dependencies: ['redis'] })
