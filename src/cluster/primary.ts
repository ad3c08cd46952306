import cluster, { type Worker } from 'node:cluster'
import pino from 'pino'
import type { Config } from '../config.js'
import { createDb } from '../db/database.js'
import { migrateToLatest } from '../db/migrate.js'
import { SHUTDOWN_MESSAGE } from '../lifecycle/shutdown.js'
import { serveClusterMetrics } from '../plugins/metrics-cluster.js'
import { serveClusterCounters } from '../plugins/rate-limit-counters.js'

// A worker that dies sooner than this after its start is restarted after a pause, not at once.
const CRASH_LOOP_MS = 5000
const RESTART_PAUSE_MS = 1000

/**
 * The primary of `agora serve --workers N`: migrates once, forks the workers, keeps their rate-limit
 * counters and metrics, restarts any that dies, and on SIGTERM/SIGINT has them all drain.
 */
export async function runPrimary (config: Config, count: number): Promise<void> {
  const log = pino({ level: config.LOG_LEVEL, name: 'agora-primary' })
  if (config.MIGRATE_ON_START) {
    const db = createDb(config, log)
    try {
      const applied = await migrateToLatest(db, config)
      if (applied.length > 0) log.info({ migrations: applied }, 'database migrated')
    } finally {
      await db.destroy()
    }
  }
  serveClusterCounters(config.RATE_LIMIT_CACHE_SIZE)
  if (config.METRICS_ENABLED) serveClusterMetrics()

  const startedAt = new Map<Worker, number>()
  let stopping = false
  let failed = false
  function fork (): void {
    // Migrated above, once: the workers only serve.
    const worker = cluster.fork({ MIGRATE_ON_START: 'false' })
    startedAt.set(worker, Date.now())
  }

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0)
    startedAt.delete(worker)
    if (stopping) {
      if (code !== 0) failed = true
      if (startedAt.size === 0) {
        log.info('all workers stopped')
        process.exit(failed ? 1 : 0)
      }
      return
    }
    log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another')
    if (lived < CRASH_LOOP_MS) setTimeout(() => { if (!stopping) fork() }, RESTART_PAUSE_MS)
    else fork()
  })

  function onSignal (signal: NodeJS.Signals): void {
    if (stopping) {
      log.warn({ signal }, 'second signal: stopping the workers at once')
      for (const worker of startedAt.keys()) worker.process.kill('SIGKILL')
      process.exit(1)
    }
    stopping = true
    log.info({ signal, workers: startedAt.size }, 'draining the workers')
    // A message, not a signal: a worker that got the signal itself too (a whole process
    // group was signalled) must not take it as a second one.
    for (const worker of startedAt.keys()) if (worker.isConnected()) worker.send({ type: SHUTDOWN_MESSAGE })
    if (startedAt.size === 0) process.exit(0)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  // A worker still booting when the signal came was not listening for the message yet.
  cluster.on('listening', (worker) => {
    if (stopping && worker.isConnected()) worker.send({ type: SHUTDOWN_MESSAGE })
  })

  log.info({ workers: count }, 'starting workers')
  for (let i = 0; i < count; i++) fork()
}
