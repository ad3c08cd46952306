import { randomUUID } from 'node:crypto'
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { errorBody, errorContentType, errorFormatOf } from './responses.js'

// Errors answered where Fastify's hooks do not run: the target's contract shape, security headers, a request id.

// What every response carries; app.ts hands these over.
export interface AnswerBasics {
  headers: Readonly<Record<string, string>>
  acceptedRequestId: (header: string | string[] | undefined) => string | undefined
}

export interface RawAnswer {
  headers: Record<string, string>
  body: string
}

type Route = (request: IncomingMessage, response: ServerResponse) => void

const STATUS_BY_CODE: Record<string, number> = {
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADER_OVERFLOW: 431
}

// The URL with each `%` that starts no decodable escape written `%25`, read as literal text as uvicorn does.
export function lenientUrl (url: string): string {
  const queryAt = url.indexOf('?')
  const path = queryAt === -1 ? url : url.slice(0, queryAt)
  const fixed = path
    .replace(/%(?![0-9A-Fa-f]{2})/g, '%25')
    .replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        decodeURIComponent(run)
        return run
      } catch {
        return run.replaceAll('%', '%25')
      }
    })
  return queryAt === -1 ? fixed : fixed + url.slice(queryAt)
}

export function rawErrorAnswers ({ headers: securityHeaders, acceptedRequestId }: AnswerBasics) {
  function errorAnswer (target: string, status: number, detail: string, requestId: string): RawAnswer {
    const format = errorFormatOf(target)
    return {
      headers: {
        ...securityHeaders,
        'content-type': `${errorContentType(format)}; charset=utf-8`,
        'x-request-id': requestId
      },
      body: JSON.stringify(errorBody(format, status, detail, target.split(/[?#]/, 1)[0] ?? '/'))
    }
  }

  // The target and `X-Request-ID` of bytes Node could not parse, as far as they can be read.
  function readHead (rawPacket: unknown): { target: string, requestId: string | undefined } {
    if (!Buffer.isBuffer(rawPacket)) return { target: '/', requestId: undefined }
    // A head is at most 16 KiB; the rest of the packet would be a body.
    const head = rawPacket.subarray(0, 16_384).toString('latin1')
    const target = /^[A-Z]+ (\S+) HTTP\//.exec(head)?.[1] ?? '/'
    const requestId = /\r\nx-request-id:[ \t]*([^\r\n]*?)[ \t]*\r\n/i.exec(head)?.[1]
    return { target, requestId: acceptedRequestId(requestId) }
  }

  return {
    /** Fastify's `clientErrorHandler`: a stalled body (408), oversized headers (431), unparsable HTTP (400). */
    clientError (error: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket): void {
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
    },

    /** Fastify's `frameworkErrors`: a broken escape is routed again as literal text; too long a segment is a 414. */
    frameworkErrors (route: Route) {
      return function (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
        const url = request.raw.url ?? '/'
        const lenient = lenientUrl(url)
        // Unchanged, it would come straight back here: it fails for a reason of its own.
        if (error.code === 'FST_ERR_BAD_URL' && lenient !== url) {
          request.raw.url = lenient
          route(request.raw, reply.raw)
          return
        }
        const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        const status = tooLong ? 414 : 400
        const detail = tooLong ? 'URI Too Long' : 'Bad Request: the URL cannot be decoded'
        const { headers, body } = errorAnswer(url, status, detail, request.id)
        reply.code(status).headers(headers).send(body)
      }
    },

    /** A 417 for an `Expect` other than `100-continue`, in the contract's shape; the connection closes. */
    watchExpectations (server: Server): void {
      server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
        const requestId = acceptedRequestId(request.headers['x-request-id']) ?? randomUUID()
        const { headers, body } = errorAnswer(request.url ?? '/', 417, 'Expectation Failed', requestId)
        response.writeHead(417, { ...headers, 'content-length': Buffer.byteLength(body), connection: 'close' })
        response.end(body)
      })
    }
  }
}
