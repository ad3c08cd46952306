import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { uploadDirOf } from '../../config.js'
import { isUniqueViolation } from '../../db/dialect-sql.js'
import type { UserRowUpdate } from '../../db/tables.js'
import { EmailTaken, UserNotFound } from '../../errors/coded-errors.js'
import { errorResponses } from '../../errors/responses.js'
import { signedInUser } from '../../plugins/auth.js'
import { routeRateLimit } from '../../plugins/rate-limit.js'
import { enqueueJob } from '../../jobs/jobs.repository.js'
import { described } from '../../lib/openapi.js'
import { hashPassword } from '../../lib/passwords.js'
import { bearerSecurity, noSecurity, PageQuerySchema, rowId, toPage } from '../../schemas/common.js'
import { deleteAccount } from './account-deletion.js'
import * as users from './users.repository.js'
import {
  AdminUpdateUserBodySchema, CreateUserBodySchema, toUserResponse, UpdateMeBodySchema,
  UserIdParamsSchema, UserPageSchema, UserSchema, type UpdateMeBody
} from './users.schemas.js'

/** Only the fields the body actually carries, in the row's form. */
function toRowUpdate (body: UpdateMeBody & { role?: 'user' | 'admin', is_active?: boolean }): UserRowUpdate {
  const { is_active: isActive, ...rest } = body
  return { ...rest, ...(isActive === undefined ? {} : { is_active: isActive ? 1 : 0 }) }
}

const usersRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db, config } = fastify
  const uploadDir = uploadDirOf(config)

  fastify.post('/users', {
    schema: {
      tags: ['users'],
      operationId: 'createUser',
      summary: 'Sign up',
      security: noSecurity,
      body: CreateUserBodySchema,
      response: { 201: described('The new user; `Location` is its URL', UserSchema), ...errorResponses(409, 413, 415) }
    },
    config: { rateLimit: routeRateLimit(config, 'signup'), idempotent: true }
  }, async function (request, reply) {
    const { password, ...fields } = request.body
    const hashed = await hashPassword(password)
    const user = await db.transaction().execute(async (trx) => {
      try {
        const created = await users.insertUser(trx, { ...fields, age: fields.age ?? null, role: 'user', hashed_password: hashed })
        await enqueueJob(trx, 'send-welcome-email', { user_id: created.id })
        return created
      } catch (error) {
        throw isUniqueViolation(error) ? new EmailTaken() : error
      }
    })
    return reply.code(201).header('location', `/api/v1/users/${user.id}`).send(toUserResponse(user, user))
  })

  fastify.get('/users', {
    schema: {
      tags: ['users'],
      operationId: 'listUsers',
      summary: 'List users',
      security: bearerSecurity,
      querystring: PageQuerySchema,
      response: { 200: described('A page of users, by id', UserPageSchema), ...errorResponses(401) }
    },
    onRequest: fastify.authenticate,
    config: { rateLimit: routeRateLimit(config, 'usersList') }
  }, async function (request) {
    const viewer = signedInUser(request)
    const { page, page_size: pageSize } = request.query
    const { rows, total } = await users.listUsers(db, (page - 1) * pageSize, pageSize)
    return toPage(rows.map((row) => toUserResponse(row, viewer)), total, request.query)
  })

  fastify.get('/users/me', {
    schema: {
      tags: ['users'],
      operationId: 'getMe',
      summary: 'The signed-in user',
      security: bearerSecurity,
      response: { 200: described('The signed-in user, e-mail included', UserSchema), ...errorResponses(401) }
    },
    onRequest: fastify.authenticate
  }, async function (request) {
    const me = signedInUser(request)
    return toUserResponse(me, me)
  })

  fastify.patch('/users/me', {
    schema: {
      tags: ['users'],
      operationId: 'updateMe',
      summary: 'Update the signed-in user',
      security: bearerSecurity,
      body: UpdateMeBodySchema,
      response: { 200: described('The signed-in user, updated', UserSchema), ...errorResponses(401, 413, 415) }
    },
    onRequest: fastify.authenticate
  }, async function (request) {
    const me = signedInUser(request)
    const updated = await users.updateUser(db, me.id, toRowUpdate(request.body))
    if (updated === undefined) throw new UserNotFound(me.id)
    return toUserResponse(updated, updated)
  })

  fastify.delete('/users/me', {
    schema: {
      tags: ['users'],
      operationId: 'deleteMe',
      summary: 'Delete the signed-in user',
      description: 'Their logins, posts, products and uploads go with them.',
      security: bearerSecurity,
      response: { 204: described('Deleted', Type.Null()), ...errorResponses(401, 413, 415) }
    },
    onRequest: fastify.authenticate
  }, async function (request, reply) {
    await deleteAccount(db, uploadDir, signedInUser(request).id)
    return reply.code(204).send(null)
  })

  fastify.get('/users/:user_id', {
    schema: {
      tags: ['users'],
      operationId: 'getUser',
      summary: 'Get a user',
      security: bearerSecurity,
      params: UserIdParamsSchema,
      response: { 200: described('The user; `email` and `age` only for themself and admins', UserSchema), ...errorResponses(401, 404) }
    },
    onRequest: fastify.authenticate
  }, async function (request) {
    const viewer = signedInUser(request)
    const id = rowId(request.params.user_id)
    // The caller was loaded a moment ago by the guard: not fetched twice.
    const user = id === viewer.id ? viewer : await users.findUserById(db, id)
    if (user === undefined) throw new UserNotFound(request.params.user_id)
    return toUserResponse(user, viewer)
  })

  fastify.patch('/users/:user_id', {
    schema: {
      tags: ['users'],
      operationId: 'updateUser',
      summary: 'Update a user (admin)',
      security: bearerSecurity,
      params: UserIdParamsSchema,
      body: AdminUpdateUserBodySchema,
      response: { 200: described('The user, updated', UserSchema), ...errorResponses(401, 403, 404, 413, 415) }
    },
    onRequest: fastify.requireRole('admin')
  }, async function (request) {
    const updated = await users.updateUser(db, rowId(request.params.user_id), toRowUpdate(request.body))
    if (updated === undefined) throw new UserNotFound(request.params.user_id)
    return toUserResponse(updated, signedInUser(request))
  })

  fastify.delete('/users/:user_id', {
    schema: {
      tags: ['users'],
      operationId: 'deleteUser',
      summary: 'Delete a user (admin)',
      security: bearerSecurity,
      params: UserIdParamsSchema,
      response: { 204: described('Deleted, with their posts, products and uploads', Type.Null()), ...errorResponses(401, 403, 404, 413, 415) }
    },
    onRequest: fastify.requireRole('admin')
  }, async function (request, reply) {
    const deleted = await deleteAccount(db, uploadDir, rowId(request.params.user_id))
    if (!deleted) throw new UserNotFound(request.params.user_id)
    return reply.code(204).send(null)
  })
}

export default usersRoutes
