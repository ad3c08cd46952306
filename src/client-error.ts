import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { errorAnswer } from './error-answer.js'
import { acceptedRequestId } from './plugins/request-log.js'

const STATUS_BY_CODE: Record<string, number> = {
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADER_OVERFLOW: 431
}

/**
 * The request target and `X-Request-ID` of the bytes Node could not parse, as far as they
 * can be read: enough to answer under /api/v2 as a problem and echo a client's id.
 */
function readHead (rawPacket: unknown): { target: string, requestId: string | undefined } {
  if (!Buffer.isBuffer(rawPacket)) return { target: '/', requestId: undefined }
  // A head is at most 16 KiB; the rest of the packet would be a body.
  const head = rawPacket.subarray(0, 16_384).toString('latin1')
  const target = /^[A-Z]+ (\S+) HTTP\//.exec(head)?.[1] ?? '/'
  const requestId = /\r\nx-request-id:[ \t]*([^\r\n]*?)[ \t]*\r\n/i.exec(head)?.[1]
  return { target, requestId: acceptedRequestId(requestId) }
}

/**
 * Answers errors Node raises before a request reaches Fastify (a body that stalls past
 * REQUEST_TIMEOUT_MS, oversized headers, unparsable HTTP) as any other error is answered:
 * the contract's body, the security headers and a request id.
 */
export function answerClientError (error: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return
  const status = STATUS_BY_CODE[error.code ?? ''] ?? 400
  const { target, requestId } = readHead(error.rawPacket)
  const { headers, body } = errorAnswer(target, status, STATUS_CODES[status] ?? 'Bad Request', requestId ?? randomUUID())
  socket.end([
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    '',
    body
  ].join('\r\n'))
}
