import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { InvalidCredentials, RequestValidationError } from '../../errors/coded-errors.js'
import { errorResponses } from '../../errors/responses.js'
import { ISSUES } from '../../errors/validation-issues.js'
import { routeRateLimit } from '../../plugins/rate-limit.js'
import { described } from '../../lib/openapi.js'
import { noSecurity } from '../../schemas/common.js'
import { findUserByEmail, updateUser } from '../users/users.repository.js'
import { LoginBodySchema, RefreshBodySchema, TokenResponseSchema } from './auth.schemas.js'
import { hashPassword, needsRehash, verifyPassword } from '../../lib/passwords.js'
import { endLogin, rotateRefreshToken, startLogin, type TokenIssuer } from './tokens.service.js'

const authRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db, config } = fastify
  const issuer: TokenIssuer = { db, config, sign: (claims) => fastify.jwt.sign(claims) }

  fastify.post('/login', {
    schema: {
      tags: ['auth'],
      operationId: 'login',
      summary: 'Log in with e-mail and password',
      description: 'JSON `{email, password}`, or the OAuth2 password form `username=…&password=…`.',
      security: noSecurity,
      consumes: ['application/json', 'application/x-www-form-urlencoded'],
      body: LoginBodySchema,
      response: { 200: described('An access token and a refresh token', TokenResponseSchema), ...errorResponses(401, 413, 415) }
    },
    config: { rateLimit: routeRateLimit(config, 'login') }
  }, async function (request) {
    const { email = request.body.username, password } = request.body
    if (email === undefined) throw new RequestValidationError([{ loc: ['body', 'email'], ...ISSUES.missing }])
    const user = await findUserByEmail(db, email)
    // Unknown e-mail, wrong password and inactive account look the same, in the same time.
    const passwordMatches = await verifyPassword(user?.hashed_password, password)
    if (user === undefined || !passwordMatches || user.is_active !== 1) throw new InvalidCredentials()
    // A legacy (bcrypt) hash is replaced while the password is at hand.
    if (needsRehash(user.hashed_password)) {
      await updateUser(db, user.id, { hashed_password: await hashPassword(password) })
    }
    return await startLogin(issuer, user)
  })

  fastify.post('/auth/refresh', {
    schema: {
      tags: ['auth'],
      operationId: 'refreshToken',
      summary: 'Trade a refresh token for a new token pair',
      description: 'Single use: presenting a spent token revokes every refresh token of its login.',
      security: noSecurity,
      body: RefreshBodySchema,
      response: { 200: described('A new access token and refresh token', TokenResponseSchema), ...errorResponses(401, 413, 415) }
    }
  }, async function (request) {
    return await rotateRefreshToken(issuer, request.body.refresh_token)
  })

  fastify.post('/auth/logout', {
    schema: {
      tags: ['auth'],
      operationId: 'logout',
      summary: 'End the login a refresh token belongs to',
      description: 'Needs no access token; an unknown refresh token gets the same 204.',
      security: noSecurity,
      body: RefreshBodySchema,
      response: { 204: described('Logged out: the login\'s refresh tokens are revoked', Type.Null()), ...errorResponses(413, 415) }
    }
  }, async function (request, reply) {
    await endLogin(db, request.body.refresh_token)
    return reply.code(204).send(null)
  })
}

export default authRoutes
