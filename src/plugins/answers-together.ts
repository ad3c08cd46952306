import fp from 'fastify-plugin'
import { atTurnEnd, endedTurns } from '../lib/turn-end.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** `endedTurns()` when the request arrived. */
    arrivalTurn: number
  }
}

/**
 * Holds an answer made in the turn of the event loop its request arrived in until that turn's I/O
 * is served (`atTurnEnd`), then writes the answers of the turn back to back. Why: sending to a
 * peer that waits (a proxy, a load balancer, a client) wakes it, and waking a process is the dear
 * part of a small write; answers that leave together wake it once, while it still reads the first.
 * An answer released by a turn's end (a group of reads) leaves at once, beside the others of its
 * group: held, it would wait for the next turn and outlive the young generation of the heap.
 */
export default fp(async function answersTogether (fastify) {
  // Resolved at the end of this turn: Fastify then goes on with each held answer, and writes it.
  let turnEnd: Promise<undefined> | undefined

  fastify.decorateRequest('arrivalTurn', 0)
  fastify.addHook('onRequest', function (request, reply, done) {
    request.arrivalTurn = endedTurns()
    done()
  })
  // Either calls `done` or returns the turn's promise, which Fastify waits for as it would an async hook's.
  fastify.addHook('onSend', function (request, reply, payload, done) {
    if (request.arrivalTurn !== endedTurns()) {
      done(null, payload)
      return
    }
    turnEnd ??= new Promise((resolve) => {
      atTurnEnd(() => {
        turnEnd = undefined
        resolve(undefined)
      })
    })
    return turnEnd
  })
}, { name: 'answers-together' })
