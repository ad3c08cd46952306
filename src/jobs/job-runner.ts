import type { FastifyBaseLogger } from 'fastify'
import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import type { Database } from '../db/tables.js'
import { createMailer, type Mailer } from '../mail/mailer.js'
import type { JobDeps, JobHandlers } from './jobs.types.js'
import { createWorker, workerOptions, type Worker } from './jobs.worker.js'

/** Builds the handler of every job type from what handlers work with. */
export type HandlerFactory = (deps: JobDeps) => JobHandlers

export interface JobRunner {
  worker: Worker
  mailer: Mailer
  /** Stops the worker (running jobs get the shutdown deadline) and closes the mailer. */
  stop: () => Promise<void>
}

/** The mailer and a job worker, as `agora serve` and `agora worker` run them. Starts nothing: `worker.start()` does. */
export function createJobRunner (
  db: Kysely<Database>, config: Config, log: FastifyBaseLogger, makeHandlers: HandlerFactory
): JobRunner {
  const mailer = createMailer(config, log)
  const worker = createWorker(db, makeHandlers({ db, mailer }), workerOptions(config), log)
  return {
    worker,
    mailer,
    async stop () {
      await worker.stop()
      mailer.close()
    }
  }
}
