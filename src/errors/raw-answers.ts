import { randomUUID } from 'node:crypto'
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { errorBody, errorContentType, errorFormatOf } from './responses.js'

// The errors answered where Fastify's hooks and error handler do not run: Node's client
// errors, the router's refusals and an unmet `Expect`. Each gets the contract's body for
// its target, the security headers of every response and a request id.

/** What every response carries, whoever writes it; app.ts hands these over. */
export interface AnswerBasics {
  /** The security headers of every response. */
  headers: Readonly<Record<string, string>>
  /** The client's `X-Request-ID` when it may be echoed, else undefined. */
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

/**
 * The URL with every percent sign that starts no decodable escape written as `%25`, so
 * that `%ZZ` or a cut UTF-8 sequence is read as the literal text it is, as uvicorn reads
 * it: `/products/%ZZ` is then a product id that is not an integer (422) and `/nope/%ZZ`
 * an unknown path (404). The query string is left alone.
 */
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

/** The answers to errors raised outside Fastify's hooks. */
export function rawErrorAnswers ({ headers: securityHeaders, acceptedRequestId }: AnswerBasics) {
  /** The headers and body of an error answered at `target`. */
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

  /**
   * The request target and `X-Request-ID` of the bytes Node could not parse, as far as
   * they can be read: enough to answer under /api/v2 as a problem and echo a client's id.
   */
  function readHead (rawPacket: unknown): { target: string, requestId: string | undefined } {
    if (!Buffer.isBuffer(rawPacket)) return { target: '/', requestId: undefined }
    // A head is at most 16 KiB; the rest of the packet would be a body.
    const head = rawPacket.subarray(0, 16_384).toString('latin1')
    const target = /^[A-Z]+ (\S+) HTTP\//.exec(head)?.[1] ?? '/'
    const requestId = /\r\nx-request-id:[ \t]*([^\r\n]*?)[ \t]*\r\n/i.exec(head)?.[1]
    return { target, requestId: acceptedRequestId(requestId) }
  }

  return {
    /**
     * Fastify's `clientErrorHandler`: what Node raises before a request reaches Fastify (a
     * body that stalls past REQUEST_TIMEOUT_MS, oversized headers, unparsable HTTP).
     */
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

    /**
     * Fastify's `frameworkErrors`: what its router refuses before any route or hook runs.
     * A path with broken percent-encoding is routed again as literal text (`route`); a
     * path segment longer than the router takes is a 414.
     */
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

    /**
     * Answers an `Expect` other than `100-continue` with 417, as Node would, but in the
     * contract's shape: left to Node, the 417 is bare. The body is never read, so the
     * connection closes.
     */
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
