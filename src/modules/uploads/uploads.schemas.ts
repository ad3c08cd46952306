import type { Readable } from 'node:stream'
import { Type } from '@sinclair/typebox'
import type { UploadRow } from '../../db/tables.js'
import { TimestampSchema } from '../../schemas/common.js'

/** Files one form may hold: the contract's limit for `/upload-multiple`, a 413 above it. */
export const MAX_FILES = 10

export const UploadSchema = Type.Object({
  id: Type.String({ description: 'Opaque and unguessable: whoever has it can download the file' }),
  filename: Type.String({ description: 'The client\'s file name, made safe; metadata only' }),
  content_type: Type.String({ description: 'Detected from the bytes', examples: ['image/png'] }),
  size: Type.Integer({ minimum: 0, description: 'In bytes' }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  url: Type.String({ description: 'Where to download it', examples: ['/api/v1/uploads/q3Vb2N9xLk0tRcYw1mHdZf4J'] }),
  user_id: Type.Integer({ description: 'The uploader' }),
  created_at: TimestampSchema
})

export const UploadListSchema = Type.Array(UploadSchema)

// Any text: an id that was never issued is simply not found.
export const UploadIdParamsSchema = Type.Object({ upload_id: Type.String({ description: 'The `id` of the upload' }) })

const FileSchema = Type.String({ format: 'binary' })

/** Documents the forms; the parts themselves are streamed and checked by the handlers. */
export const UploadFormSchema = Type.Object({ file: FileSchema })
export const UploadMultipleFormSchema = Type.Object({
  files: Type.Array(FileSchema, { minItems: 1, maxItems: MAX_FILES })
})

/** The file, streamed: its bytes with the detected content type. */
export const DownloadSchema = Type.Unsafe<Readable>({ type: 'string', format: 'binary' })

export function toUploadResponse (row: UploadRow) {
  const { id, filename, content_type: contentType, size, sha256, user_id: userId, created_at: createdAt } = row
  return { id, filename, content_type: contentType, size, sha256, url: `/api/v1/uploads/${id}`, user_id: userId, created_at: createdAt }
}
