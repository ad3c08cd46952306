import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { PostRow, PostRowUpdate, UserRow } from '../../db/tables.js'
import { InvalidToken, PostNotFound } from '../../errors/coded-errors.js'
import { errorResponses } from '../../errors/responses.js'
import { etagOf, expectedVersion, isNotModified, unchangedRowError } from '../../http/etag.js'
import { described } from '../../lib/openapi.js'
import { assertOwnerOrAdmin, signedInCaller, signedInUser } from '../../plugins/auth.js'
import { bearerSecurity, optionalBearerSecurity, rowId, toPage } from '../../schemas/common.js'
import { IfMatchHeadersSchema, IfNoneMatchHeadersSchema, NotModifiedResponse } from '../../schemas/etag.js'
import { countPosts, listPosts } from './posts.list.js'
import * as posts from './posts.repository.js'
import {
  CreatePostBodySchema, PostIdParamsSchema, PostListQuerySchema, PostPageSchema, PostSchema,
  toPostFilters, toPostResponse, UpdatePostBodySchema, type UpdatePostBody
} from './posts.schemas.js'

function toRowUpdate ({ published, ...rest }: UpdatePostBody): PostRowUpdate {
  return { ...rest, ...(published === undefined ? {} : { published: published ? 1 : 0 }) }
}

/** The post as `viewer` may change it: 404 for a draft they cannot see, 403 for anyone's else. */
function assertMayChange (post: PostRow | undefined, viewer: UserRow, pathId: string): asserts post is PostRow {
  if (post === undefined || !posts.canSeePost(post, viewer)) throw new PostNotFound(pathId)
  assertOwnerOrAdmin(viewer, post.user_id)
}

const postsRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db } = fastify

  fastify.post('/posts', {
    schema: {
      tags: ['posts'],
      operationId: 'createPost',
      summary: 'Write a post as the caller',
      security: bearerSecurity,
      body: CreatePostBodySchema,
      response: { 201: described('The new post; `Location` is its URL, `ETag` its version', PostSchema), ...errorResponses(401, 413, 415) }
    },
    // As `POST /products`: the insert checks the caller.
    onRequest: fastify.verifyToken,
    config: { idempotent: true }
  }, async function (request, reply) {
    const { published, ...fields } = request.body
    const post = await posts.insertPost(db, signedInCaller(request), { ...fields, published: published ? 1 : 0 })
    if (post === undefined) throw new InvalidToken()
    return reply.code(201).header('location', `/api/v1/posts/${post.id}`).header('etag', etagOf(post)).send(toPostResponse(post))
  })

  fastify.get('/posts', {
    schema: {
      tags: ['posts'],
      operationId: 'listPosts',
      summary: 'List published posts, and the caller\'s drafts (every post, for admins)',
      security: optionalBearerSecurity,
      querystring: PostListQuerySchema,
      response: { 200: described('A page of posts, by id', PostPageSchema), ...errorResponses(401) }
    },
    onRequest: fastify.identify
  }, async function (request) {
    const { page, page_size: pageSize } = request.query
    const filters = toPostFilters(request.query, request.user)
    const [rows, total] = await Promise.all([
      listPosts(db, filters, (page - 1) * pageSize, pageSize),
      countPosts(db, filters)
    ])
    return toPage(rows.map(toPostResponse), total, request.query)
  })

  fastify.get('/posts/:post_id', {
    schema: {
      tags: ['posts'],
      operationId: 'getPost',
      summary: 'Get a post (a draft only for its author and admins)',
      security: optionalBearerSecurity,
      params: PostIdParamsSchema,
      headers: IfNoneMatchHeadersSchema,
      response: { 200: described('The post; `ETag` is its version', PostSchema), ...NotModifiedResponse, ...errorResponses(401, 404) }
    },
    onRequest: fastify.identify
  }, async function (request, reply) {
    const post = await posts.findPostById(db, rowId(request.params.post_id))
    if (post === undefined || !posts.canSeePost(post, request.user)) throw new PostNotFound(request.params.post_id)
    reply.header('etag', etagOf(post))
    if (isNotModified(request.headers, post)) return await reply.code(304).send(null)
    return toPostResponse(post)
  })

  fastify.patch('/posts/:post_id', {
    schema: {
      tags: ['posts'],
      operationId: 'updatePost',
      summary: 'Update a post (author or admin)',
      security: bearerSecurity,
      params: PostIdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: UpdatePostBodySchema,
      response: { 200: described('The post, updated; `ETag` is its new version', PostSchema), ...errorResponses(401, 403, 404, 412, 413, 415) }
    },
    onRequest: fastify.authenticate
  }, async function (request, reply) {
    const id = rowId(request.params.post_id)
    const current = await posts.findPostById(db, id)
    assertMayChange(current, signedInUser(request), request.params.post_id)
    const version = expectedVersion(request.headers, current)
    const updated = await posts.updatePost(db, id, toRowUpdate(request.body), version)
    // Gone since it was read, or changed by another client in between.
    if (updated === undefined) throw unchangedRowError(version, () => new PostNotFound(request.params.post_id))
    return reply.header('etag', etagOf(updated)).send(toPostResponse(updated))
  })

  fastify.delete('/posts/:post_id', {
    schema: {
      tags: ['posts'],
      operationId: 'deletePost',
      summary: 'Delete a post (author or admin)',
      security: bearerSecurity,
      params: PostIdParamsSchema,
      headers: IfMatchHeadersSchema,
      response: { 204: described('Deleted', Type.Null()), ...errorResponses(401, 403, 404, 412, 413, 415) }
    },
    onRequest: fastify.authenticate
  }, async function (request, reply) {
    const id = rowId(request.params.post_id)
    const current = await posts.findPostById(db, id)
    assertMayChange(current, signedInUser(request), request.params.post_id)
    const version = expectedVersion(request.headers, current)
    if (!await posts.deletePost(db, id, version)) {
      throw unchangedRowError(version, () => new PostNotFound(request.params.post_id))
    }
    return reply.code(204).send(null)
  })
}

export default postsRoutes
