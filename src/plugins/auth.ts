import jwt from '@fastify/jwt'
import type { FastifyError, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { LRUCache } from 'lru-cache'
import type { Config } from '../config.js'
import type { UserRow } from '../db/tables.js'
import { InvalidToken, NotAuthenticated, NotEnoughPermissions } from '../errors/coded-errors.js'
import { asList } from '../lib/as-list.js'

export interface AccessTokenPayload {
  sub: string
  iat: number
}

/** A payload as verified: `exp` is a required claim (added by the signer from `expiresIn`). */
type VerifiedPayload = AccessTokenPayload & { exp: number }

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessTokenPayload
    user: UserRow | null
  }
}

/** Who a verified access token speaks for: its user, and when it was issued (`iat`). */
export interface Caller {
  id: number
  issuedAt: number
}

type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token's caller (set by every guard), or null without a token. */
    caller: Caller | null
  }
  interface FastifyInstance {
    /** Guard: a valid access token of an active user, loaded into `request.user`. */
    authenticate: Guard
    /**
     * Guard for a route whose one write checks the caller itself (`callerStillSignedIn`): a valid access
     * token, its user not read. Any other answer of the route reads the user first, as `authenticate` would.
     */
    verifyToken: Guard
    /** Reads and checks the user of `request.caller` if no guard has yet; a refused one is a 401. */
    confirmCaller: (request: FastifyRequest) => Promise<void>
    /** Guard: like `authenticate`, and sets `request.user` to null instead of failing when no token is sent. */
    identify: Guard
    /** Guard: `authenticate`, then the user must have `role`. */
    requireRole: (role: UserRow['role']) => Guard
  }
}

/** The signed-in user of a route guarded by `authenticate`. */
export function signedInUser (request: FastifyRequest): UserRow {
  if (request.user === null) throw new NotAuthenticated()
  return request.user
}

/** The caller of a route guarded by `verifyToken` (or `authenticate`). */
export function signedInCaller (request: FastifyRequest): Caller {
  if (request.caller === null) throw new NotAuthenticated()
  return request.caller
}

type Viewer = Pick<UserRow, 'id' | 'role'>

/** The one rule for changing or seeing what belongs to a user: that user, or an admin. */
export function isOwnerOrAdmin (viewer: Viewer | null, ownerId: number): boolean {
  return viewer !== null && (viewer.id === ownerId || viewer.role === 'admin')
}

export function assertOwnerOrAdmin (viewer: Viewer, ownerId: number): void {
  if (!isOwnerOrAdmin(viewer, ownerId)) throw new NotEnoughPermissions()
}

// Far above any token Agora signs. A longer one is refused unread, so that neither the cache's
// hash nor the HMAC runs over the up to 16 KiB a header may carry.
const MAX_TOKEN_LENGTH = 1024

/** undefined without an Authorization header; '' (which nothing verifies) for another scheme or an overlong token. */
export function bearerToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const [scheme, token] = header.split(' ')
  const plausible = token !== undefined && token !== '' && token.length <= MAX_TOKEN_LENGTH
  return scheme?.toLowerCase() === 'bearer' && plausible ? token : ''
}

export interface AuthOptions {
  config: Config
  /** The user of a token's `sub`, read on every authenticated request (the users feature's). */
  findUser: (id: number) => Promise<UserRow | undefined>
}

// The clock skew allowed for `iat` between the instances that sign and verify; `exp` gets none.
const CLOCK_SKEW_SECONDS = 30

// A client sends one token all its life, so a verified payload is kept by the token's whole text until
// its `exp`; the user row (`is_active`, `tokens_valid_after`) is still read on every request. Not
// fast-jwt's own cache: it keys tokens by a SHA hash, 15 µs of CPU per request under load (about a
// tenth of a user read), and it warns at every start about any other key.
const VERIFIED_TOKENS_KEPT = 1000

/** @see https://github.com/fastify/fastify-jwt */
export default fp<AuthOptions>(async function auth (fastify, { config, findUser }) {
  await fastify.register(jwt, {
    // The secret alone: a token's `jwk`, `jku` and `kid` choose nothing.
    secret: config.JWT_SECRET,
    sign: { algorithm: config.JWT_ALGORITHM, expiresIn: `${config.ACCESS_TOKEN_EXPIRE_MINUTES}m` },
    verify: {
      algorithms: [config.JWT_ALGORITHM],
      requiredClaims: ['exp', 'iat', 'sub']
    }
  })

  const verified = new LRUCache<string, VerifiedPayload>({ max: VERIFIED_TOKENS_KEPT })

  /** The payload of a valid token; throws as @fastify/jwt does for any other. */
  function verifiedPayload (token: string): VerifiedPayload {
    const kept = verified.get(token)
    // Expired the moment `exp` passes, as fast-jwt would judge it: no clock tolerance.
    if (kept !== undefined && Date.now() <= kept.exp * 1000) return kept
    const payload = fastify.jwt.verify<VerifiedPayload>(token)
    verified.set(token, payload)
    return payload
  }

  function verifiedCaller (token: string): Caller {
    let payload: AccessTokenPayload
    try {
      payload = verifiedPayload(token)
    } catch {
      throw new InvalidToken()
    }
    const id = Number(payload.sub)
    // A token dated in the future would outlive the password change meant to end it.
    if (typeof payload.iat !== 'number' || payload.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) throw new InvalidToken()
    if (!Number.isSafeInteger(id)) throw new InvalidToken()
    return { id, issuedAt: payload.iat }
  }

  // The rule that users.repository.ts's `callerStillSignedIn` puts in SQL.
  async function loadUser (request: FastifyRequest, { id, issuedAt }: Caller): Promise<void> {
    const user = await findUser(id)
    if (user === undefined || user.is_active !== 1) throw new InvalidToken()
    if (user.tokens_valid_after !== null && issuedAt <= user.tokens_valid_after) throw new InvalidToken()
    request.user = user
  }

  fastify.decorateRequest('caller', null)

  fastify.decorate('authenticate', async function (request: FastifyRequest) {
    const token = bearerToken(request)
    if (token === undefined) throw new NotAuthenticated()
    await loadUser(request, request.caller = verifiedCaller(token))
  })

  fastify.decorate('identify', async function (request: FastifyRequest) {
    const token = bearerToken(request)
    request.user = null
    if (token === undefined) return
    await loadUser(request, request.caller = verifiedCaller(token))
  })

  async function verifyToken (request: FastifyRequest): Promise<void> {
    const token = bearerToken(request)
    if (token === undefined) throw new NotAuthenticated()
    request.caller = verifiedCaller(token)
  }
  fastify.decorate('verifyToken', verifyToken)

  fastify.decorate('confirmCaller', async function (request: FastifyRequest) {
    if (request.caller !== null && request.user === null) await loadUser(request, request.caller)
  })

  // Whatever else a `verifyToken` route answers (a 422 for its body, say), a refused caller gets
  // the 401 that `authenticate` gives before reading a body. The scope's handler formats either.
  async function confirmBeforeAnswering (error: FastifyError, request: FastifyRequest): Promise<never> {
    const status = error.statusCode ?? 500
    if (status !== 401 && status < 500) await fastify.confirmCaller(request)
    throw error
  }
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (!asList(route.onRequest).includes(verifyToken)) return
    if (route.errorHandler !== undefined) throw new Error(`${String(route.method)} ${route.url}: verifyToken needs the route's error handler`)
    route.errorHandler = confirmBeforeAnswering
  })

  fastify.decorate('requireRole', (role: UserRow['role']): Guard => async function (request, reply) {
    await fastify.authenticate(request, reply)
    if (signedInUser(request).role !== role) throw new NotEnoughPermissions()
  })
}, { name: 'auth' })
