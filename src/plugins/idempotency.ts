import { createHmac, randomUUID, type Hmac } from 'node:crypto'
import { Transform } from 'node:stream'
import { Type } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest, RequestPayload } from 'fastify'
import fp from 'fastify-plugin'
import { derivedKey, type Config } from '../config.js'
import { asList } from '../lib/as-list.js'
import { IdempotencyKeyInUse, InvalidIdempotencyKey, RequestValidationError } from '../errors/coded-errors.js'
import { errorResponse } from '../errors/responses.js'
import { ISSUES } from '../errors/validation-issues.js'
import {
  claimIdempotencyKey, completeIdempotencyKey, purgeExpiredIdempotencyKeys, releaseIdempotencyKey, type IdempotencyScope
} from './idempotency.repository.js'
import { bearerToken, type AccessTokenPayload } from './auth.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Honour `Idempotency-Key` on this route (plugins/idempotency.ts). */
    idempotent?: boolean
    /** Set by plugins/idempotency.ts: the route's name in the keys it keeps. */
    idempotencyRoute?: string
  }
  interface FastifyInstance {
    /** Claims a multipart request's key once its handler has read `form` (no boundary); returns an earlier answer. */
    claimIdempotencyKeyForForm: (request: FastifyRequest, form: string) => Promise<StoredAnswer | undefined>
  }
}

const HEADER = 'idempotency-key'
const MAX_KEY_LENGTH = 255
// The response headers a replay repeats; the rest are the replaying response's own.
const KEPT_HEADERS = ['content-type', 'location', 'etag']
const PURGE_INTERVAL_MS = 3_600_000

interface Pending {
  key: string
  digest: Hmac
  /** False for a multipart body, which its handler reads and describes. */
  hashed: boolean
  claim?: { scope: IdempotencyScope, claimId: string }
}

const KeyHeaderSchema = Type.String({
  maxLength: MAX_KEY_LENGTH,
  description: 'Makes a retry safe: the first successful response is kept for this key (24 hours by default) and given again ' +
    'to a retry with the byte-identical body, which creates nothing. Another body: 422; while the first still runs: 409.'
})

/**
 * A key is claimed before the handler; a 2xx answer is kept, anything else released (README, "Safe retries").
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
 */
export default fp<{ config: Config }>(async function idempotency (fastify, { config }) {
  // Keyed, so that a copy of the table cannot be used to test guesses of a sign-up's password.
  // A new JWT_SECRET makes retries of kept keys a 422 until those keys expire.
  const hashKey = derivedKey(config.JWT_SECRET, 'agora/idempotency/request-body/1')
  const leaseMs = config.IDEMPOTENCY_LEASE_SECONDS * 1000
  const ttlMs = Math.round(config.IDEMPOTENCY_TTL_HOURS * 3_600_000)
  const pending = new WeakMap<FastifyRequest, Pending>()

  function callerOf (request: FastifyRequest): string {
    if (request.caller !== null) return `user:${request.caller.id}`
    // A route open to anyone (sign-up) has not looked at the token: a valid one still counts.
    const token = bearerToken(request)
    if (token !== undefined && token !== '') {
      try {
        return `user:${fastify.jwt.verify<AccessTokenPayload>(token).sub}`
      } catch {}
    }
    return `ip:${request.ip}`
  }

  fastify.addHook('onRoute', (route) => {
    if (route.config?.idempotent !== true) return
    if (route.method !== 'POST' && route.method !== 'PUT' && route.method !== 'PATCH') {
      throw new Error(`${String(route.method)} ${route.url}: only POST, PUT and PATCH routes can be idempotent`)
    }
    // The path within its version (`POST /users`): the name under which keys are already stored.
    route.config = { ...route.config, idempotencyRoute: `${route.method} ${route.routePath}` }
    const headers = (route.schema?.headers ?? Type.Object({})) as ReturnType<typeof Type.Object>
    route.schema = {
      ...route.schema,
      headers: { ...headers, properties: { ...headers.properties, [HEADER]: Type.Optional(KeyHeaderSchema) } },
      response: { 400: errorResponse(400), 409: errorResponse(409), ...(route.schema?.response as object | undefined) }
    }
    // Before the route's own hooks, as a global hook would be (a bad key is a 400 before a 401).
    route.onRequest = [readKey, ...asList(route.onRequest)]
    route.preParsing = [hashBody, ...asList(route.preParsing)]
    route.preHandler = [claimBeforeHandler, ...asList(route.preHandler)]
    route.onSend = [...asList(route.onSend), recordAnswer]
  })

  async function readKey (request: FastifyRequest): Promise<void> {
    const key = request.headers[HEADER]
    if (key === undefined) return
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw new InvalidIdempotencyKey()
    pending.set(request, { key, digest: createHmac('sha256', hashKey), hashed: false })
  }

  async function hashBody (
    request: FastifyRequest, reply: FastifyReply, payload: RequestPayload
  ): Promise<RequestPayload> {
    const state = pending.get(request)
    if (state === undefined) return payload
    // A handler streams a multipart body itself, from the raw request: teeing it here would stall it.
    if (isMultipart(request)) return payload
    const { digest } = state
    state.hashed = true
    const tee = new Transform({
      transform (chunk: Buffer, encoding, callback) {
        digest.update(chunk)
        callback(null, chunk)
      }
    })
    payload.on('error', (error) => tee.destroy(error))
    return payload.pipe(tee)
  }

  async function claimBeforeHandler (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const state = pending.get(request)
    // A multipart form is claimed by its handler, once read.
    if (state === undefined || !state.hashed) return
    const stored = await claimKey(request, state, state.digest.digest('hex'))
    if (stored !== undefined) await sendStoredAnswer(reply, stored)
  }

  fastify.decorate('claimIdempotencyKeyForForm', async function (request: FastifyRequest, form: string) {
    const state = pending.get(request)
    if (state === undefined || state.hashed) return undefined
    return await claimKey(request, state, state.digest.update(form).digest('hex'))
  })

  async function claimKey (
    request: FastifyRequest, state: Pending, requestHash: string
  ): Promise<StoredAnswer | undefined> {
    const route = request.routeOptions.config.idempotencyRoute
    if (route === undefined) throw new Error(`${request.method} ${request.url} is not an idempotent route`)
    // A kept answer goes only to a caller still signed in (a route may leave that to its own write).
    await fastify.confirmCaller(request)
    const scope = { caller: callerOf(request), route, key: state.key }
    const claimId = randomUUID()
    const result = await claimIdempotencyKey(fastify.db, scope, requestHash, claimId, leaseMs, ttlMs)
    if (result.claimed) {
      state.claim = { scope, claimId }
      return undefined
    }
    const { row } = result
    if (row.request_hash !== requestHash) {
      throw new RequestValidationError([{ loc: ['header', HEADER], ...ISSUES.idempotencyKeyReused }])
    }
    if (row.state !== 'completed' || row.response_status === null) throw new IdempotencyKeyInUse()
    return { status: row.response_status, headers: row.response_headers, body: row.response_body }
  }

  async function recordAnswer (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const claim = pending.get(request)?.claim
    if (claim === undefined) return payload
    pending.delete(request)
    const { scope, claimId } = claim
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined
    try {
      if (reply.statusCode >= 200 && reply.statusCode < 300 && body !== undefined) {
        const headers = Object.fromEntries(KEPT_HEADERS.flatMap((name) => {
          const value = reply.getHeader(name)
          return value === undefined ? [] : [[name, String(value)]]
        }))
        await completeIdempotencyKey(fastify.db, scope, claimId, { status: reply.statusCode, headers, body }, ttlMs)
      } else {
        await releaseIdempotencyKey(fastify.db, scope, claimId)
      }
    } catch (error) {
      // The work is done and its answer is on its way; only a later retry is unprotected.
      request.log.error({ err: error }, 'could not record the idempotency key')
    }
    return payload
  }

  const purge = setInterval(() => {
    purgeExpiredIdempotencyKeys(fastify.db).catch((error: unknown) => fastify.log.warn({ err: error }, 'idempotency key purge failed'))
  }, PURGE_INTERVAL_MS).unref()
  fastify.addHook('onClose', async () => { clearInterval(purge) })
}, { name: 'idempotency', dependencies: ['db', 'auth'] })

function isMultipart (request: FastifyRequest): boolean {
  return request.headers['content-type']?.toLowerCase().startsWith('multipart/') === true
}

/** The first answer to a request with an Idempotency-Key, kept for its retries. */
export interface StoredAnswer {
  status: number
  headers: string | null
  body: string | null
}

export function sendStoredAnswer (reply: FastifyReply, { status, headers, body }: StoredAnswer): FastifyReply {
  return reply.code(status)
    .headers(JSON.parse(headers ?? '{}') as Record<string, string>)
    .header('idempotent-replayed', 'true')
    .send(body ?? '')
}
