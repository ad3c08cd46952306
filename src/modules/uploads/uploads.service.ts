import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { MultipartFile } from '@fastify/multipart'
import type { FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database, UploadRow } from '../../db/tables.js'
import {
  MalformedMultipart, NotMultipart, RequestValidationError, TooManyUploadParts, UploadTooLarge, UploadTypeNotAllowed
} from '../../errors/coded-errors.js'
import { ISSUES } from '../../errors/validation-issues.js'
import { detectContentType, safeFilename } from './content-type.js'
import { insertUploads } from './uploads.repository.js'
import { keepFile, newUploadId, receiveFile, removeFiles, storedPath, type ReceivedFile } from './upload-storage.js'

export interface UploadLimits {
  dir: string
  maxBytes: number
  /** File parts a form may hold, whatever their field. */
  maxFiles: number
  allowedTypes: Set<string>
}

/** A file that passed every check, still under its temporary name. */
export interface AcceptedFile {
  tempPath: string
  filename: string
  contentType: string
  size: number
  sha256: string
}

export interface ReceivedForm {
  files: AcceptedFile[]
  /** What the form said, independent of its boundary: what an Idempotency-Key retry must repeat. */
  description: string
}

// Small fields are allowed (and ignored); a form cannot make the server hold much.
const MAX_FIELDS = 20
const MAX_FIELD_BYTES = 65_536

/**
 * Reads a multipart form, keeping up to `keep` checked files of `field` in temporary files.
 * On failure nothing stays and the rest of the body is read, so the client gets the error.
 */
export async function receiveForm (
  request: FastifyRequest, field: string, keep: number, limits: UploadLimits
): Promise<ReceivedForm> {
  if (!request.isMultipart()) throw new NotMultipart()
  const files: AcceptedFile[] = []
  const parts: unknown[] = []
  const temporary: string[] = []
  try {
    const form = request.parts({
      limits: {
        fileSize: limits.maxBytes,
        files: limits.maxFiles,
        fields: MAX_FIELDS,
        fieldSize: MAX_FIELD_BYTES,
        parts: limits.maxFiles + MAX_FIELDS
      }
    })
    for await (const part of form) {
      if (part.type === 'field') {
        parts.push([part.fieldname, String(part.value)])
      } else if (part.fieldname !== field || files.length >= keep) {
        parts.push([part.fieldname, part.filename])
        await pipeline(part.file, discard())
      } else {
        const received = await receiveFile(limits.dir, part.file)
        temporary.push(received.tempPath)
        files.push(await acceptFile(part, received, limits))
        parts.push([part.fieldname, part.filename, part.mimetype, received.sha256])
      }
    }
  } catch (error) {
    await removeFiles(temporary)
    request.raw.unpipe()
    request.raw.resume()
    throw asClientError(error, limits)
  }
  if (files.length === 0) throw new RequestValidationError([{ loc: ['body', field], ...ISSUES.missing }])
  return { files, description: JSON.stringify(parts) }
}

async function acceptFile (part: MultipartFile, received: ReceivedFile, limits: UploadLimits): Promise<AcceptedFile> {
  const filename = safeFilename(part.filename)
  if (part.file.truncated) throw new UploadTooLarge(filename, limits.maxBytes)
  const contentType = await detectContentType(received, filename, part.mimetype)
  if (!limits.allowedTypes.has(contentType)) throw new UploadTypeNotAllowed(filename, contentType)
  return { tempPath: received.tempPath, filename, contentType, size: received.size, sha256: received.sha256 }
}

function discard (): Writable {
  return new Writable({ write (_chunk, _encoding, callback) { callback() } })
}

// Multipart's own limit errors in Agora's words; busboy's parse errors as a 400.
function asClientError (error: unknown, limits: UploadLimits): unknown {
  const { code, statusCode, syscall } = error as { code?: string, statusCode?: number, syscall?: string }
  if (code === 'FST_FILES_LIMIT') return new TooManyUploadParts(`at most ${limits.maxFiles} files`)
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return new TooManyUploadParts(`at most ${MAX_FIELDS} fields`)
  // Ours and Fastify's carry a status; the file system's (a full disk) are a real 500.
  if (statusCode !== undefined || syscall !== undefined || !(error instanceof Error)) return error
  return new MalformedMultipart()
}

/**
 * Keeps accepted files under their ids and records them in one transaction: every file
 * of a 201 is on disk before its row commits, and a failure keeps neither.
 */
export async function storeUploads (
  db: Kysely<Database>, dir: string, files: AcceptedFile[], userId: number
): Promise<UploadRow[]> {
  const ids = files.map(() => newUploadId())
  try {
    for (const [index, file] of files.entries()) await keepFile(dir, file.tempPath, ids[index]!)
    return await db.transaction().execute(async (trx) => await insertUploads(trx, files.map((file, index) => ({
      id: ids[index]!,
      user_id: userId,
      filename: file.filename,
      content_type: file.contentType,
      size: file.size,
      sha256: file.sha256
    }))))
  } catch (error) {
    await removeFiles([...files.map((file) => file.tempPath), ...ids.map((id) => storedPath(dir, id))])
    throw error
  }
}

/** Removes temporary files of a form that will not be stored (an Idempotency-Key replay). */
export async function dropForm (form: ReceivedForm): Promise<void> {
  await removeFiles(form.files.map((file) => file.tempPath))
}
