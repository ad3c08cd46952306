import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { FileSample } from './content-type.js'

/** Files still arriving, kept apart so that those a crash leaves can be swept without listing the kept ones. */
export function incomingDir (dir: string): string {
  return join(dir, '.incoming')
}

// Bytes kept for type detection: file-type reads at most 4100.
const HEAD_BYTES = 4100

/** A file written under a temporary name, with what was learnt while writing it. */
export interface ReceivedFile extends FileSample {
  tempPath: string
  size: number
  sha256: string
}

/** 144 random bits, base64url: an upload's id and the name of its file. */
export function newUploadId (): string {
  return randomBytes(18).toString('base64url')
}

export function storedPath (dir: string, id: string): string {
  return join(dir, id)
}

// Tab, line feed, form feed and carriage return are text; other control characters are not.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/

/** Streams `source` to a temporary file in `dir`, hashing and sampling it, and syncs it; removed on failure. */
export async function receiveFile (dir: string, source: Readable): Promise<ReceivedFile> {
  await mkdir(incomingDir(dir), { recursive: true })
  const tempPath = join(incomingDir(dir), randomBytes(12).toString('hex'))
  const hash = createHash('sha256')
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const head: Buffer[] = []
  let headLength = 0
  let size = 0
  let isText = true

  function checkText (chunk?: Buffer): void {
    if (!isText) return
    try {
      isText = !CONTROL_CHARACTER.test(chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true }))
    } catch {
      isText = false
    }
  }

  const inspect = new Transform({
    transform (chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      size += chunk.length
      if (headLength < HEAD_BYTES) {
        head.push(chunk.subarray(0, HEAD_BYTES - headLength))
        headLength = Math.min(HEAD_BYTES, headLength + chunk.length)
      }
      checkText(chunk)
      callback(null, chunk)
    }
  })
  // Opened before any byte flows: a stream that opens its own file may still be opening it
  // when a broken body fails the pipeline, and would create it after the removal below.
  const handle = await open(tempPath, 'wx', 0o600)
  try {
    // `flush` syncs the file before closing it: a 201 must survive a power cut.
    await pipeline(source, inspect, createWriteStream(tempPath, { fd: handle, flush: true }))
  } catch (error) {
    await rm(tempPath, { force: true })
    throw error
  }
  checkText()
  return { tempPath, size, sha256: hash.digest('hex'), head: Buffer.concat(head), isText }
}

/** Gives a received file its final name in `dir`, durably: the rename is synced with the folder. */
export async function keepFile (dir: string, tempPath: string, id: string): Promise<void> {
  await rename(tempPath, storedPath(dir, id))
  const folder = await open(dir, 'r')
  try {
    await folder.sync()
  } finally {
    await folder.close()
  }
}

/** Removes files, whether kept or still temporary; one already gone is no error. */
export async function removeFiles (paths: string[]): Promise<void> {
  await Promise.all(paths.map(async (path) => await rm(path, { force: true })))
}

/** Removes files left half-received by a dead process, once too old for any upload still running; returns how many. */
export async function removeAbandonedFiles (dir: string, olderThanMs: number): Promise<number> {
  const names = await readdir(incomingDir(dir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return []
    throw error
  })
  const cutoff = Date.now() - olderThanMs
  let removed = 0
  for (const name of names) {
    const path = join(incomingDir(dir), name)
    const { mtimeMs } = await stat(path)
    if (mtimeMs >= cutoff) continue
    await rm(path, { force: true })
    removed += 1
  }
  return removed
}
