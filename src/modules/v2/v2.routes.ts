import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import errorHandler from '../../errors/error-handler.js'
import { problemResponses } from '../../errors/responses.js'
import { signedInUser } from '../../plugins/auth.js'
import { described } from '../../lib/openapi.js'
import { bearerSecurity, noSecurity, optionalBearerSecurity } from '../../schemas/common.js'
import { listPostsAfter } from '../posts/posts.list.js'
import { toPostResponse } from '../posts/posts.schemas.js'
import { listProductsAfter } from '../products/products.list.js'
import { toProductResponse } from '../products/products.schemas.js'
import { listUsersAfter } from '../users/users.repository.js'
import { toUserResponse } from '../users/users.schemas.js'
import { createCursorCodec, type CursorResource } from './cursor.js'
import { CursorQuerySchema, PostCursorPageSchema, ProductCursorPageSchema, toCursorPage, UserCursorPageSchema } from './v2.schemas.js'

/**
 * The v2 lists: keyset pages by id (`WHERE id > last ORDER BY id LIMIT n + 1`), so a deep
 * page costs what the first one does and rows inserted meanwhile are neither skipped
 * nor repeated. Every error in this scope is a problem detail.
 */
const v2Routes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db, config } = fastify
  const cursors = createCursorCodec(config.JWT_SECRET)
  await fastify.register(errorHandler, { format: 'problem' })

  const afterId = (resource: CursorResource, cursor: string | undefined): number =>
    cursor === undefined ? 0 : cursors.decode(resource, cursor)
  const encoder = (resource: CursorResource) => (lastId: number) => cursors.encode(resource, lastId)

  fastify.get('/users', {
    schema: {
      tags: ['users'],
      operationId: 'listUsersByCursor',
      summary: 'List users, a keyset page at a time',
      security: bearerSecurity,
      querystring: CursorQuerySchema,
      response: { 200: described('A page of users, by id', UserCursorPageSchema), ...problemResponses(401) }
    },
    onRequest: fastify.authenticate
  }, async function (request) {
    const viewer = signedInUser(request)
    const { limit, cursor } = request.query
    const rows = await listUsersAfter(db, afterId('users', cursor), limit + 1)
    return toCursorPage(rows, limit, (row) => toUserResponse(row, viewer), encoder('users'))
  })

  fastify.get('/products', {
    schema: {
      tags: ['products'],
      operationId: 'listProductsByCursor',
      summary: 'List products, a keyset page at a time',
      security: noSecurity,
      querystring: CursorQuerySchema,
      response: { 200: described('A page of products, by id', ProductCursorPageSchema), ...problemResponses() }
    }
  }, async function (request) {
    const { limit, cursor } = request.query
    const rows = await listProductsAfter(db, afterId('products', cursor), limit + 1)
    return toCursorPage(rows, limit, toProductResponse, encoder('products'))
  })

  fastify.get('/posts', {
    schema: {
      tags: ['posts'],
      operationId: 'listPostsByCursor',
      summary: 'List posts (published, plus the caller\'s drafts; admins see all), a keyset page at a time',
      security: optionalBearerSecurity,
      querystring: CursorQuerySchema,
      response: { 200: described('A page of posts, by id', PostCursorPageSchema), ...problemResponses(401) }
    },
    onRequest: fastify.identify
  }, async function (request) {
    const { limit, cursor } = request.query
    const rows = await listPostsAfter(db, { viewer: request.user }, afterId('posts', cursor), limit + 1)
    return toCursorPage(rows, limit, toPostResponse, encoder('posts'))
  })
}

export default v2Routes
