import closeWithGrace from 'close-with-grace'
import type { Command } from 'commander'
import pino from 'pino'
import type { Config } from '../../config.js'
import { createDb } from '../../db/database.js'
import { migrateToLatest } from '../../db/migrate.js'
import { createJobRunner, type HandlerFactory } from '../../jobs/job-runner.js'
import type { Worker } from '../../jobs/jobs.worker.js'
import { createHandlers } from '../../modules/emails/index.js'
import { loadCliConfig } from '../config.js'

/** Runs a worker until SIGTERM or SIGINT, then stops it and exits. `makeHandlers` is for test fixtures. */
export async function runWorker (config: Config, makeHandlers: HandlerFactory = createHandlers): Promise<Worker> {
  const log = pino({ level: config.LOG_LEVEL, name: 'agora-worker' })
  const db = createDb(config, log)
  if (config.MIGRATE_ON_START) {
    const applied = await migrateToLatest(db, config)
    if (applied.length > 0) log.info({ migrations: applied }, 'database migrated')
  }
  const runner = createJobRunner(db, config, log, makeHandlers)
  closeWithGrace({ delay: config.JOBS_SHUTDOWN_DEADLINE_MS + 5000 }, async ({ signal, err }) => {
    if (err !== undefined) log.error({ err }, 'stopping after an uncaught error')
    else log.info({ signal }, 'stopping')
    await runner.stop()
    await db.destroy()
  })
  runner.worker.start()
  return runner.worker
}

export function registerWorker (program: Command): void {
  program.command('worker')
    .description('Run background jobs (e-mail) until SIGTERM/SIGINT; `agora serve` runs one too unless JOBS_WORKER_IN_SERVE=false')
    .action(async () => {
      await runWorker(loadCliConfig())
    })
}
