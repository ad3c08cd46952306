import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export interface FilePart {
  field: string
  filename: string
  content: Buffer | string
  contentType?: string
}

export interface FieldPart {
  field: string
  value: string
}

/**
 * A multipart/form-data body built by hand, so tests control every byte: file names with
 * paths, declared types that lie, and a new random boundary each time, as real clients send.
 */
export function multipartBody (
  parts: Array<FilePart | FieldPart>
): { payload: Buffer, headers: Record<string, string> } {
  const boundary = `----agora-test-${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    if ('value' in part) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.field}"\r\n\r\n${part.value}\r\n`))
      continue
    }
    chunks.push(Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${part.field}"; filename="${part.filename}"\r\n` +
      `Content-Type: ${part.contentType ?? 'application/octet-stream'}\r\n\r\n`
    ))
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/** A 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'
)

/** A ZIP archive holding a.txt. */
export const ZIP = Buffer.from(
  'UEsDBBQAAAAAAFpJeF2GphA2BQAAAAUAAAAFAAAAYS50eHRoZWxsb1BLAQIUAxQAAAAAAFpJeF2GphA2BQAAAAUAAAAFAAAAAAAAAAAAAACAAQAAAABhLnR4dFBL' +
  'BQYAAAAAAQABADMAAAAoAAAAAAA=', 'base64'
)

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')

/** Every file under an upload folder: kept ones by id, those still arriving as `.incoming/NAME`. */
export function storedUploadFiles (dir: string): string[] {
  if (!existsSync(dir)) return []
  const kept = readdirSync(dir).filter((name) => name !== '.incoming')
  const incoming = existsSync(join(dir, '.incoming')) ? readdirSync(join(dir, '.incoming')).map((name) => `.incoming/${name}`) : []
  return [...kept, ...incoming]
}
