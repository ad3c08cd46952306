import fp from 'fastify-plugin'
import { turnEnd } from '../lib/turn-end.js'

/**
 * Holds each answer until the turn of the event loop that made it ends (`turnEnd`), then writes
 * the answers of the turn back to back. Why: sending to a peer that waits (a proxy, a load
 * balancer, a client) wakes it, and waking a process is the dear part of a small write; answers
 * that leave together wake it once, while it still reads the first. The answers that a group of
 * reads releases at the end of a turn leave with that turn too, not the next: held longer, they
 * would outlive the young generation of the heap.
 */
export default fp(async function answersTogether (fastify) {
  // Not async: Fastify waits for the turn's promise as for an async hook's, and goes on with the answer.
  fastify.addHook('onSend', function () {
    return turnEnd()
  })
}, { name: 'answers-together' })
