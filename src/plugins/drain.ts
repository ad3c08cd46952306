import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import fp from 'fastify-plugin'
import { LinkedList } from '../lib/linked-list.js'
import { announcesBody } from './request-body.js'

export function createDrain () {
  let draining = false
  let closingConnections = false
  // Connections taken while the server stops listening: each closes after its first response.
  const lastConnections = new WeakSet<Socket>()
  // Not a Set: one request in, one out, per request with a body (lib/linked-list.ts).
  const requests = new LinkedList<IncomingMessage>()
  return {
    get draining (): boolean { return draining },
    /** From now on `/ready` answers 503. */
    start (): void { draining = true },
    /** From now on every response closes its connection; call it once the server stops listening. */
    closeConnections (): void { closingConnections = true },
    /** `socket`'s responses close it: a connection accepted as the server stops listening. */
    closeConnection (socket: Socket): void { lastConnections.add(socket) },
    /** Whether the response to `request` closes its connection. */
    closes (request: IncomingMessage): boolean { return closingConnections || lastConnections.has(request.socket) },
    track (request: IncomingMessage, response: ServerResponse): void {
      const link = requests.add(request)
      response.once('close', () => requests.remove(link))
    },
    /** Cuts requests whose body is still arriving (a slow upload): they would hold the shutdown past its deadline. */
    cutUnfinishedRequests (): number {
      let cut = 0
      for (const request of requests) {
        if (request.complete) continue
        request.socket.destroy()
        cut++
      }
      return cut
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Draining before a shutdown: started by the server on SIGTERM/SIGINT. */
    drain: ReturnType<typeof createDrain>
  }
}

/**
 * Once the server stops listening, every response carries `Connection: close`: a proxy's pooled
 * connections end after their request instead of being reset, and its next one, refused, goes to
 * another instance. Not sooner: while the drain lasts, a proxy that checks health passively
 * (open-source nginx) keeps sending here, each closed connection making it open a new one, which
 * the kernel resets when the server stops listening; a proxy does not resend a POST it has sent.
 */
export default fp(async function drain (fastify) {
  const state = createDrain()
  fastify.decorate('drain', state)
  // Only a request with a body can still be arriving when the drain ends.
  fastify.addHook('onRequest', function (request, reply, done) {
    if (announcesBody(request.headers)) state.track(request.raw, reply.raw)
    if (state.closes(request.raw)) reply.header('connection', 'close')
    done()
  })
}, { name: 'drain' })
