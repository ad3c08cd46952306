import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

/** Longest wait on close for handlers still running; the process's own grace period is longer. */
const DRAIN_DEADLINE_MS = 5000
const POLL_MS = 20

/**
 * Keeps the database open on close until every running handler is done. Closing the
 * server waits for open connections only: a handler whose client hung up runs on, and
 * would otherwise see the database destroyed under it.
 *
 * A handler's work ends with its `onSend` hooks (idempotency records the answer in one),
 * and its response's `close` comes after all of them; its `onClose` runs before the
 * database's.
 */
export default fp(async function inFlight (fastify) {
  const running = new Set<FastifyRequest>()
  // Synchronous hooks: every request runs them, and nothing in them waits.
  fastify.addHook('preHandler', function (request, reply, done) {
    running.add(request)
    done()
  })
  fastify.addHook('onSend', function (request, reply, payload, done) {
    // The handler is done. Its response ends in `close`, whether it was written or its
    // connection went away (then `onResponse` never comes).
    if (reply.raw.destroyed) running.delete(request)
    else reply.raw.once('close', () => running.delete(request))
    done(null, payload)
  })
  fastify.addHook('onClose', async () => {
    const deadline = Date.now() + DRAIN_DEADLINE_MS
    while (running.size > 0 && Date.now() < deadline) await sleep(POLL_MS)
    if (running.size > 0) fastify.log.warn({ requests: running.size }, 'closing with requests still running')
  })
}, { name: 'in-flight', dependencies: ['db', 'idempotency'] })
