import closeWithGrace from 'close-with-grace'
import type { Command } from 'commander'
import type { Kysely } from 'kysely'
import pino from 'pino'
import type { Config } from '../../config.js'
import { createDb } from '../../db/database.js'
import { migrateToLatest } from '../../db/migrate.js'
import type { Database } from '../../db/tables.js'
import { createMailer, type Mailer } from '../../mail/mailer.js'
import { createHandlers } from '../../modules/jobs/handlers/index.js'
import type { JobHandlers } from '../../modules/jobs/jobs.types.js'
import { createWorker, workerOptions, type Worker } from '../../modules/jobs/jobs.worker.js'
import { loadCliConfig } from '../config.js'

export type HandlerFactory = (deps: { db: Kysely<Database>, mailer: Mailer }) => JobHandlers

/**
 * Runs a worker until SIGTERM or SIGINT, then stops claiming, gives running jobs the
 * shutdown deadline, releases the rest, and exits. `makeHandlers` is for test fixtures.
 */
export async function runWorker (config: Config, makeHandlers: HandlerFactory = createHandlers): Promise<Worker> {
  const log = pino({ level: config.LOG_LEVEL, name: 'agora-worker' })
  const db = createDb(config, log)
  if (config.MIGRATE_ON_START) {
    const applied = await migrateToLatest(db, config)
    if (applied.length > 0) log.info({ migrations: applied }, 'database migrated')
  }
  const mailer = createMailer(config, log)
  const worker = createWorker(db, makeHandlers({ db, mailer }), workerOptions(config), log)
  closeWithGrace({ delay: config.JOBS_SHUTDOWN_DEADLINE_MS + 5000 }, async ({ signal, err }) => {
    if (err !== undefined) log.error({ err }, 'stopping after an uncaught error')
    else log.info({ signal }, 'stopping')
    await worker.stop()
    mailer.close()
    await db.destroy()
  })
  worker.start()
  return worker
}

export function registerWorker (program: Command): void {
  program.command('worker')
    .description('Run background jobs (e-mail) until SIGTERM/SIGINT; `agora serve` runs one too unless JOBS_WORKER_IN_SERVE=false')
    .action(async () => {
      await runWorker(loadCliConfig())
    })
}
