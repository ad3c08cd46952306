import { randomUUID } from 'node:crypto'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { errorAnswer } from './error-answer.js'
import { acceptedRequestId } from './plugins/request-log.js'

/**
 * Answers an `Expect` other than `100-continue` with 417, as Node would, but in the
 * contract's shape, with the security headers and a request id: left to Node, the 417
 * is bare. The body is never read, so the connection closes.
 */
export function answerUnmetExpectations (server: Server): void {
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const requestId = acceptedRequestId(request.headers['x-request-id']) ?? randomUUID()
    const { headers, body } = errorAnswer(request.url ?? '/', 417, 'Expectation Failed', requestId)
    response.writeHead(417, { ...headers, 'content-length': Buffer.byteLength(body), connection: 'close' })
    response.end(body)
  })
}
