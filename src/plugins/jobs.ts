import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { createMailer } from '../mail/mailer.js'
import { createHandlers } from '../modules/jobs/handlers/index.js'
import { createWorker, workerOptions } from '../modules/jobs/jobs.worker.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The job worker: started by `agora serve` (JOBS_WORKER_IN_SERVE), stopped with the app. */
    jobs: ReturnType<typeof createWorker>
    mailer: ReturnType<typeof createMailer>
  }
}

/**
 * The mailer and a job worker over the app's database. Building an app starts no
 * background work: the server (or a test) calls `app.jobs.start()`.
 */
export default fp<{ config: Config }>(async function jobs (fastify, { config }) {
  const mailer = createMailer(config, fastify.log)
  const worker = createWorker(fastify.db, createHandlers({ db: fastify.db, mailer }), workerOptions(config), fastify.log)
  fastify.decorate('mailer', mailer)
  fastify.decorate('jobs', worker)
  // Hooks run in reverse order of registration: this one runs before the db plugin's.
  fastify.addHook('onClose', async () => {
    await worker.stop()
    mailer.close()
  })
}, { name: 'jobs', dependencies: ['db'] })
