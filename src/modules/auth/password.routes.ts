import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IncorrectPassword } from '../../errors/coded-errors.js'
import { errorResponses } from '../../errors/responses.js'
import { signedInUser } from '../../plugins/auth.js'
import { routeRateLimit } from '../../plugins/rate-limit.js'
import { enqueueJob } from '../../jobs/jobs.repository.js'
import { described } from '../../lib/openapi.js'
import { bearerSecurity, MessageSchema, noSecurity } from '../../schemas/common.js'
import { ChangePasswordBodySchema, PasswordResetBodySchema, PasswordResetConfirmBodySchema } from './auth.schemas.js'
import { confirmPasswordReset, replacePassword } from './credentials.service.js'
import { hashPassword, verifyPassword } from '../../lib/passwords.js'

const RESET_ACCEPTED = { message: 'If the address belongs to an account, a password reset message is on its way' }

const passwordRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db, config } = fastify

  fastify.put('/users/me/password', {
    schema: {
      tags: ['users'],
      operationId: 'changePassword',
      summary: 'Change the signed-in user\'s password',
      description: 'Ends every login of the user: refresh tokens are revoked and earlier access tokens refused.',
      security: bearerSecurity,
      body: ChangePasswordBodySchema,
      response: { 204: described('Changed; the user\'s other logins have ended', Type.Null()), ...errorResponses(400, 401, 413, 415) }
    },
    onRequest: fastify.authenticate
  }, async function (request, reply) {
    const me = signedInUser(request)
    if (!await verifyPassword(me.hashed_password, request.body.current_password)) throw new IncorrectPassword()
    const hashed = await hashPassword(request.body.new_password)
    await db.transaction().execute(async (trx) => { await replacePassword(trx, me.id, hashed) })
    return reply.code(204).send(null)
  })

  fastify.post('/auth/password-reset', {
    schema: {
      tags: ['auth'],
      operationId: 'requestPasswordReset',
      summary: 'Mail a password reset token',
      description: 'The same 202 whether or not the address has an account.',
      security: noSecurity,
      body: PasswordResetBodySchema,
      response: { 202: described('Accepted: a mail is on its way if the address has an account', MessageSchema), ...errorResponses(413, 415) }
    },
    config: { rateLimit: routeRateLimit(config, 'passwordReset') }
  }, async function (request, reply) {
    // Every request queues the same job, and the worker looks the address up: the 202 is
    // durable, and neither its body nor its timing tells whether the account exists.
    await enqueueJob(db, 'send-password-reset-email', { email: request.body.email, valid_minutes: config.PASSWORD_RESET_EXPIRE_MINUTES })
    return reply.code(202).send(RESET_ACCEPTED)
  })

  fastify.post('/auth/password-reset/confirm', {
    schema: {
      tags: ['auth'],
      operationId: 'confirmPasswordReset',
      summary: 'Set a new password with a mailed reset token',
      security: noSecurity,
      body: PasswordResetConfirmBodySchema,
      response: { 204: described('Changed; every login of the user has ended', Type.Null()), ...errorResponses(400, 413, 415) }
    }
  }, async function (request, reply) {
    await confirmPasswordReset(db, request.body.token, request.body.new_password)
    return reply.code(204).send(null)
  })
}

export default passwordRoutes
