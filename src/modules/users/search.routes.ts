import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { AdminOnlySort } from '../../errors/coded-errors.js'
import { errorResponses } from '../../errors/responses.js'
import { signedInUser } from '../../plugins/auth.js'
import { described } from '../../lib/openapi.js'
import { bearerSecurity } from '../../schemas/common.js'
import { searchUsers } from './users.repository.js'
import { SearchQuerySchema, toUserResponse, UserSchema } from './users.schemas.js'

const searchRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db } = fastify

  fastify.get('/search', {
    schema: {
      tags: ['users'],
      operationId: 'searchUsers',
      summary: 'Search users by name (and e-mail, for admins)',
      security: bearerSecurity,
      querystring: SearchQuerySchema,
      response: { 200: described('The users found, as a list', Type.Array(UserSchema)), ...errorResponses(401, 403) }
    },
    onRequest: fastify.authenticate
  }, async function (request) {
    const viewer = signedInUser(request)
    const isAdmin = viewer.role === 'admin'
    const { q, skip, limit, sort } = request.query
    if (sort === 'email' && !isAdmin) throw new AdminOnlySort('email')
    const rows = await searchUsers(db, { text: q, includeEmail: isAdmin, sort, skip, limit })
    return rows.map((row) => toUserResponse(row, viewer))
  })
}

export default searchRoutes
