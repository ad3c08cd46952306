import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import { announcesBody } from './request-body.js'

/** The draining state of one app; see the plugin below. */
export function createDrain () {
  let draining = false
  const requests = new Set<IncomingMessage>()
  return {
    get draining (): boolean { return draining },
    /** From now on `/ready` answers 503 and every response closes its connection. */
    start (): void { draining = true },
    /** Keeps `request`, which has a body, in view until its response is over. */
    track (request: IncomingMessage, response: ServerResponse): void {
      requests.add(request)
      response.once('close', () => requests.delete(request))
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
 * While draining, every response carries `Connection: close`, so a proxy's pooled
 * keep-alive connections end after their current request instead of being reset when the
 * server stops: the proxy opens new ones, to this instance while it still listens, to
 * another after.
 */
export default fp(async function drain (fastify) {
  const state = createDrain()
  fastify.decorate('drain', state)
  // Synchronous: every request runs it, and nothing in it waits. Only a request with a
  // body can still be arriving when the drain ends, so only those are tracked.
  fastify.addHook('onRequest', function (request, reply, done) {
    if (announcesBody(request.headers)) state.track(request.raw, reply.raw)
    if (state.draining) reply.header('connection', 'close')
    done()
  })
}, { name: 'drain' })
