import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'

// The longest wait on close for running handlers; the process's own grace period is longer.
const DRAIN_DEADLINE_MS = 5000
const POLL_MS = 20

declare module 'fastify' {
  interface FastifyRequest {
    /** Between its preHandler and its onSend hooks: the handler may still use the database. */
    handlerRunning: boolean
  }
}

/** Keeps the database open on close until handlers end: a handler whose client hung up outlives its connection. */
export default fp(async function inFlight (fastify) {
  const handlers = { running: 0 }
  fastify.decorateRequest('handlerRunning', false)
  fastify.addHook('preHandler', function (request, reply, done) {
    request.handlerRunning = true
    handlers.running++
    done()
  })
  fastify.addHook('onSend', function (request, reply, payload, done) {
    if (request.handlerRunning) {
      request.handlerRunning = false
      handlers.running--
    }
    done(null, payload)
  })
  fastify.addHook('onClose', async () => {
    const deadline = Date.now() + DRAIN_DEADLINE_MS
    while (handlers.running > 0 && Date.now() < deadline) await sleep(POLL_MS)
    if (handlers.running > 0) fastify.log.warn({ requests: handlers.running }, 'closing with requests still running')
  })
}, { name: 'in-flight', dependencies: ['db', 'idempotency'] })
