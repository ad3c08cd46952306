import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { UserRow } from '../../db/tables.js'
import { InvalidToken, ProductNotFound } from '../../errors/coded-errors.js'
import { errorResponses } from '../../errors/responses.js'
import { etagOf, expectedVersion, isNotModified, unchangedRowError } from '../../http/etag.js'
import { toCents } from '../../lib/money.js'
import { described } from '../../lib/openapi.js'
import { assertOwnerOrAdmin, signedInCaller, signedInUser } from '../../plugins/auth.js'
import { bearerSecurity, noSecurity, rowId, toPage } from '../../schemas/common.js'
import { IfMatchHeadersSchema, IfNoneMatchHeadersSchema, NotModifiedResponse } from '../../schemas/etag.js'
import type { ProductOrder } from './products.filters.js'
import { productPage } from './products.list.js'
import * as products from './products.repository.js'
import type { ProductWithTags } from './products.repository.js'
import {
  CreateProductBodySchema, ProductIdParamsSchema, ProductListQuerySchema, ProductPageSchema, ProductSchema,
  toProductFilters, toProductResponse, uniqueTags, UpdateProductBodySchema, type ProductSort
} from './products.schemas.js'

function toOrder (sort: ProductSort | undefined): ProductOrder | undefined {
  if (sort === undefined) return undefined
  const key = sort.replace(/^-/, '')
  return { column: key === 'price' ? 'price_cents' : key as ProductOrder['column'], direction: sort.startsWith('-') ? 'desc' : 'asc' }
}

/** The product as `viewer` may change it: 404 when there is none, 403 for anyone's else. */
function assertMayChange (
  product: ProductWithTags | undefined, viewer: UserRow, pathId: string
): asserts product is ProductWithTags {
  if (product === undefined) throw new ProductNotFound(pathId)
  assertOwnerOrAdmin(viewer, product.owner_id)
}

const productsRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db } = fastify

  fastify.post('/products', {
    schema: {
      tags: ['products'],
      operationId: 'createProduct',
      summary: 'Create a product owned by the caller',
      security: bearerSecurity,
      body: CreateProductBodySchema,
      response: { 201: described('The new product; `Location` is its URL, `ETag` its version', ProductSchema), ...errorResponses(401, 413, 415) }
    },
    // One statement checks the caller and inserts: on PostgreSQL, reading the caller first cost a round
    // trip before every insert (README, "The caller checked by its write").
    onRequest: fastify.verifyToken,
    config: { idempotent: true }
  }, async function (request, reply) {
    const { price, tags = [], description = null, ...fields } = request.body
    const product = await products.insertProduct(
      db, signedInCaller(request), { ...fields, description, price_cents: toCents(price) }, uniqueTags(tags)
    )
    if (product === undefined) throw new InvalidToken()
    return reply.code(201).header('location', `/api/v1/products/${product.id}`).header('etag', etagOf(product))
      .send(toProductResponse(product))
  })

  fastify.get('/products', {
    schema: {
      tags: ['products'],
      operationId: 'listProducts',
      summary: 'List products',
      description: 'Filtered by every parameter given, a page at a time; by id unless `sort` says otherwise.',
      security: noSecurity,
      querystring: ProductListQuerySchema,
      response: { 200: described('A page of products', ProductPageSchema), ...errorResponses() }
    }
  }, async function (request) {
    const { page, page_size: pageSize, sort } = request.query
    const filters = toProductFilters(request.query)
    const { rows, total } = await productPage(db, filters, toOrder(sort), (page - 1) * pageSize, pageSize)
    return toPage(rows.map(toProductResponse), total, request.query)
  })

  fastify.get('/products/:product_id', {
    schema: {
      tags: ['products'],
      operationId: 'getProduct',
      summary: 'Get a product',
      security: noSecurity,
      params: ProductIdParamsSchema,
      headers: IfNoneMatchHeadersSchema,
      response: { 200: described('The product; `ETag` is its version', ProductSchema), ...NotModifiedResponse, ...errorResponses(404) }
    }
  }, async function (request, reply) {
    const product = await products.findProductById(db, rowId(request.params.product_id))
    if (product === undefined) throw new ProductNotFound(request.params.product_id)
    reply.header('etag', etagOf(product))
    if (isNotModified(request.headers, product)) return await reply.code(304).send(null)
    return toProductResponse(product)
  })

  fastify.patch('/products/:product_id', {
    schema: {
      tags: ['products'],
      operationId: 'updateProduct',
      summary: 'Update a product (owner or admin)',
      security: bearerSecurity,
      params: ProductIdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: UpdateProductBodySchema,
      response: { 200: described('The product, updated; `ETag` is its new version', ProductSchema), ...errorResponses(401, 403, 404, 412, 413, 415) }
    },
    onRequest: fastify.authenticate
  }, async function (request, reply) {
    const id = rowId(request.params.product_id)
    const current = await products.findProductById(db, id)
    assertMayChange(current, signedInUser(request), request.params.product_id)
    const version = expectedVersion(request.headers, current)
    const { price, tags, ...fields } = request.body
    const changes = { ...fields, ...(price === undefined ? {} : { price_cents: toCents(price) }) }
    const newTags = tags === undefined ? undefined : uniqueTags(tags)
    const updated = await products.updateProduct(db, id, changes, newTags, version)
    // Gone since it was read, or changed by another client in between.
    if (updated === undefined) throw unchangedRowError(version, () => new ProductNotFound(request.params.product_id))
    return reply.header('etag', etagOf(updated)).send(toProductResponse(updated))
  })

  fastify.delete('/products/:product_id', {
    schema: {
      tags: ['products'],
      operationId: 'deleteProduct',
      summary: 'Delete a product (owner or admin)',
      security: bearerSecurity,
      params: ProductIdParamsSchema,
      headers: IfMatchHeadersSchema,
      response: { 204: described('Deleted', Type.Null()), ...errorResponses(401, 403, 404, 412, 413, 415) }
    },
    onRequest: fastify.authenticate
  }, async function (request, reply) {
    const id = rowId(request.params.product_id)
    const current = await products.findProductById(db, id)
    assertMayChange(current, signedInUser(request), request.params.product_id)
    const version = expectedVersion(request.headers, current)
    if (!await products.deleteProduct(db, id, version)) {
      throw unchangedRowError(version, () => new ProductNotFound(request.params.product_id))
    }
    return reply.code(204).send(null)
  })
}

export default productsRoutes
