import { Server as NetServer, type Socket } from 'node:net'
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'

/** What a cluster primary sends its workers instead of a signal (see cluster/primary.ts). */
export const SHUTDOWN_MESSAGE = 'agora:shutdown'

/** Beyond the drain, the jobs' deadline and the requests' timeout: a close that hangs ends here. */
const LAST_RESORT_MS = 10_000

// The steps of the README's "Stopping without losing requests": drain, release the jobs, cut unfinished bodies, close.
async function drainAndClose (app: FastifyInstance, config: Config): Promise<void> {
  app.drain.start()
  const jobsStopped = app.jobs.stop()
  await sleep(config.SHUTDOWN_DRAIN_MS)
  await jobsStopped
  const cut = app.drain.cutUnfinishedRequests()
  if (cut > 0) app.log.warn({ requests: cut }, 'cut requests still sending their body after the drain')
  const force = setTimeout(() => {
    app.log.warn('shutdown timeout: cutting the connections still open')
    app.server.closeAllConnections()
  }, config.SHUTDOWN_TIMEOUT_MS)
  try {
    await stopListening(app, config.SHUTDOWN_TIMEOUT_MS)
    await app.close()
  } finally {
    clearTimeout(force)
  }
}

/**
 * Stops listening, then waits up to `limitMs` for the open connections to end. net.Server's close, not
 * http.Server's, which would also drop idle keep-alive connections, where a proxy may be writing a
 * request (a POST it does not resend). Every response now says `Connection: close` (plugins/drain.ts),
 * so the proxy ends its connections itself.
 */
export async function stopListening (app: FastifyInstance, limitMs: number): Promise<void> {
  const { server } = app
  if (!server.listening) return
  const giveUpAt = Date.now() + limitMs
  await takeWaitingConnections(app, giveUpAt)
  NetServer.prototype.close.call(server)
  // Only now for the proxy's pooled connections (plugins/drain.ts): each closed while the server
  // still listened made the proxy open a new one, a stream that met the listener as it closed.
  app.drain.closeConnections()
  while (Date.now() < giveUpAt && await openConnections(server) > 0) await sleep(50)
}

// Closing the socket resets the connections the kernel has accepted and the server not yet taken,
// a proxy's POST among them, and a busy event loop leaves many. Node takes one a turn of its loop:
// turns go by until one takes none, or as many as the queue can hold (Node's listen backlog, 511),
// past which connections are arriving rather than waiting.
const LISTEN_BACKLOG = 511

async function takeWaitingConnections (app: FastifyInstance, giveUpAt: number): Promise<void> {
  const { server } = app
  let taken = 0
  const count = (socket: Socket): void => {
    taken++
    app.drain.closeConnection(socket)
  }
  server.on('connection', count)
  try {
    let turns = 0
    let before: number
    do {
      before = taken
      // Two: a poll of the loop comes between, whichever phase this runs in.
      await immediate()
      await immediate()
      turns++
    } while (taken !== before && turns < LISTEN_BACKLOG && Date.now() < giveUpAt)
  } finally {
    server.off('connection', count)
  }
}

async function openConnections (server: NetServer): Promise<number> {
  return await new Promise((resolve) => {
    server.getConnections((error, count) => { resolve(error === null ? count : 0) })
  })
}

/** Drains and exits 0 on SIGTERM, SIGINT or the primary's message, at once on a second signal; exits 1 on a crash. */
export function shutDownOnSignals (app: FastifyInstance, config: Config): void {
  let stopping = false

  function stop (reason: string, exitCode: number): void {
    stopping = true
    const deadline = config.SHUTDOWN_DRAIN_MS + config.JOBS_SHUTDOWN_DEADLINE_MS + config.SHUTDOWN_TIMEOUT_MS +
      LAST_RESORT_MS
    setTimeout(() => {
      app.log.error('shutdown did not finish in time')
      process.exit(1)
    }, deadline).unref()
    const closing = exitCode === 0 ? drainAndClose(app, config) : app.close()
    closing.then(() => {
      app.log.info({ reason }, 'closed')
      process.exit(exitCode)
    }, (error: unknown) => {
      app.log.error({ err: error }, 'closing failed')
      process.exit(1)
    })
  }

  function onSignal (signal: NodeJS.Signals): void {
    if (stopping) {
      app.log.warn({ signal }, 'second signal: exiting at once')
      process.exit(1)
    }
    app.log.info({ signal, drain_ms: config.SHUTDOWN_DRAIN_MS }, 'draining before shutdown')
    stop(signal, 0)
  }

  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  process.on('message', (message: { type?: unknown } | null) => {
    if (message?.type !== SHUTDOWN_MESSAGE || stopping) return
    app.log.info({ drain_ms: config.SHUTDOWN_DRAIN_MS }, 'draining before shutdown')
    stop('cluster shutdown', 0)
  })
  // A worker whose primary is gone would never be told to stop.
  process.on('disconnect', () => { if (!stopping) stop('cluster primary gone', 0) })
  const onCrash = (error: unknown): void => {
    app.log.fatal({ err: error }, 'closing after an uncaught error')
    if (!stopping) stop('uncaught error', 1)
    else process.exit(1)
  }
  process.on('uncaughtException', onCrash)
  process.on('unhandledRejection', onCrash)
}
