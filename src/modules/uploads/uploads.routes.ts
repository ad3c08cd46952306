import { open } from 'node:fs/promises'
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import contentDisposition from 'content-disposition'
import { allowedUploadTypes, uploadDirOf } from '../../config.js'
import { UploadNotFound } from '../../errors/coded-errors.js'
import { errorResponses } from '../../errors/responses.js'
import { assertOwnerOrAdmin, signedInUser } from '../../plugins/auth.js'
import { sendStoredAnswer } from '../../plugins/idempotency.js'
import { described } from '../../lib/openapi.js'
import { bearerSecurity, noSecurity } from '../../schemas/common.js'
import { asciiFilename, dispositionOf } from './content-type.js'
import * as uploads from './uploads.repository.js'
import {
  DownloadSchema, MAX_FILES, UploadFormSchema, UploadIdParamsSchema,
  UploadListSchema, UploadMultipleFormSchema, UploadSchema, toUploadResponse
} from './uploads.schemas.js'
import { dropForm, receiveForm, storeUploads, type UploadLimits } from './uploads.service.js'
import { removeFiles, storedPath } from './upload-storage.js'

const uploadsRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db, config } = fastify
  const limits: UploadLimits = {
    dir: uploadDirOf(config),
    maxBytes: config.UPLOAD_MAX_BYTES,
    maxFiles: MAX_FILES,
    allowedTypes: allowedUploadTypes(config)
  }
  // In this scope only: elsewhere a multipart body stays a 415.
  await fastify.register(multipart)

  fastify.post('/upload', {
    schema: {
      tags: ['uploads'],
      operationId: 'uploadFile',
      summary: 'Upload a file (multipart field `file`)',
      security: bearerSecurity,
      consumes: ['multipart/form-data'],
      body: { content: { 'multipart/form-data': { schema: UploadFormSchema } } },
      response: { 201: described('The stored file; `Location` is where to download it', UploadSchema), ...errorResponses(400, 401, 413, 415) }
    },
    onRequest: fastify.authenticate,
    config: { idempotent: true }
  }, async function (request, reply) {
    const form = await receiveForm(request, 'file', 1, limits)
    const stored = await fastify.claimIdempotencyKeyForForm(request, form.description).catch(async (error: unknown) => {
      await dropForm(form)
      throw error
    })
    if (stored !== undefined) {
      await dropForm(form)
      return sendStoredAnswer(reply, stored)
    }
    const [upload] = await storeUploads(db, limits.dir, form.files, signedInUser(request).id)
    const body = toUploadResponse(upload!)
    return reply.code(201).header('location', body.url).send(body)
  })

  fastify.post('/upload-multiple', {
    schema: {
      tags: ['uploads'],
      operationId: 'uploadFiles',
      summary: `Upload up to ${MAX_FILES} files at once (multipart field \`files\`); all are kept or none`,
      security: bearerSecurity,
      consumes: ['multipart/form-data'],
      body: { content: { 'multipart/form-data': { schema: UploadMultipleFormSchema } } },
      response: { 201: described('The stored files, in the order sent', UploadListSchema), ...errorResponses(400, 401, 413, 415) }
    },
    onRequest: fastify.authenticate
  }, async function (request, reply) {
    const form = await receiveForm(request, 'files', MAX_FILES, limits)
    const stored = await storeUploads(db, limits.dir, form.files, signedInUser(request).id)
    return reply.code(201).send(stored.map(toUploadResponse))
  })

  fastify.get('/uploads/:upload_id', {
    schema: {
      tags: ['uploads'],
      operationId: 'downloadFile',
      summary: 'Download a file: anyone with its id may',
      security: noSecurity,
      params: UploadIdParamsSchema,
      response: { 200: { description: 'The bytes, of the type detected at upload; `Content-Disposition` names the file', content: { '*/*': { schema: DownloadSchema } } }, ...errorResponses(404) }
    }
  }, async function (request, reply) {
    const upload = await uploads.findUploadById(db, request.params.upload_id)
    if (upload === undefined) throw new UploadNotFound(request.params.upload_id)
    const file = await open(storedPath(limits.dir, upload.id)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error
      request.log.error({ upload_id: upload.id }, 'the file of an upload is missing')
      throw new UploadNotFound(upload.id)
    })
    return reply
      .header('content-type', upload.content_type)
      .header('content-length', upload.size)
      .header('content-disposition', contentDisposition(upload.filename, { type: dispositionOf(upload.content_type), fallback: asciiFilename(upload.filename) }))
      .header('x-content-type-options', 'nosniff')
      // Even a file opened directly runs nothing and reaches nothing.
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('etag', `"${upload.sha256}"`)
      .send(file.createReadStream())
  })

  fastify.delete('/uploads/:upload_id', {
    schema: {
      tags: ['uploads'],
      operationId: 'deleteFile',
      summary: 'Delete a file (its uploader or an admin)',
      security: bearerSecurity,
      params: UploadIdParamsSchema,
      response: { 204: described('Deleted', Type.Null()), ...errorResponses(401, 403, 404, 413, 415) }
    },
    onRequest: fastify.authenticate
  }, async function (request, reply) {
    const viewer = signedInUser(request)
    const upload = await uploads.findUploadById(db, request.params.upload_id)
    if (upload === undefined) throw new UploadNotFound(request.params.upload_id)
    assertOwnerOrAdmin(viewer, upload.user_id)
    if (await uploads.deleteUploadById(db, upload.id)) await removeFiles([storedPath(limits.dir, upload.id)])
    return reply.code(204).send(null)
  })
}

export default uploadsRoutes
