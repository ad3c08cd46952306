import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import { LinkedList } from '../lib/linked-list.js'
import { announcesBody } from './request-body.js'

/** The draining state of one app; see the plugin below. */
export function createDrain () {
  let draining = false
  let closingConnections = false
  // Not a Set: one request in, one out, per request with a body (lib/linked-list.ts).
  const requests = new LinkedList<IncomingMessage>()
  return {
    get draining (): boolean { return draining },
    /** Whether responses close their connections: once the server no longer listens. */
    get closingConnections (): boolean { return closingConnections },
    /** From now on `/ready` answers 503. */
    start (): void { draining = true },
    /** From now on every response closes its connection; call it once the server stops listening. */
    closeConnections (): void { closingConnections = true },
    /** Keeps `request`, which has a body, in view until its response is over. */
    track (request: IncomingMessage, response: ServerResponse): void {
      const link = requests.add(request)
      response.once('close', () => requests.remove(link))
    },
    /**
     * Cuts the connections of requests whose body is still arriving (a slow upload): they
     * would hold the shutdown past its deadline. Returns how many were cut.
     */
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
 * Once the server has stopped listening, every response carries `Connection: close`, so a
 * proxy's pooled keep-alive connections end after their current request instead of being
 * reset, and the proxy's next connection, refused, goes to another instance. Not sooner:
 * while the drain lasts, a proxy that only checks health passively (open-source nginx)
 * goes on sending to this instance, and each closed connection made it open a new one;
 * the kernel resets those it has accepted but the server has not when the server stops
 * listening, and a proxy does not resend a POST it has sent.
 */
export default fp(async function drain (fastify) {
  const state = createDrain()
  fastify.decorate('drain', state)
  // Synchronous: every request runs it, and nothing in it waits. Only a request with a
  // body can still be arriving when the drain ends, so only those are tracked.
  fastify.addHook('onRequest', function (request, reply, done) {
    if (announcesBody(request.headers)) state.track(request.raw, reply.raw)
    if (state.closingConnections) reply.header('connection', 'close')
    done()
  })
}, { name: 'drain' })
