import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { createJobRunner, type HandlerFactory, type JobRunner } from '../jobs/job-runner.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The job worker: started by `agora serve` (JOBS_WORKER_IN_SERVE), stopped with the app. */
    jobs: JobRunner['worker']
    mailer: JobRunner['mailer']
  }
}

/** Building an app starts no background work: the server (or a test) calls `app.jobs.start()`. */
export default fp<{ config: Config, handlers: HandlerFactory }>(async function jobs (fastify, { config, handlers }) {
  const runner = createJobRunner(fastify.db, config, fastify.log, handlers)
  fastify.decorate('mailer', runner.mailer)
  fastify.decorate('jobs', runner.worker)
  // Hooks run in reverse order of registration: this one runs before the db plugin's.
  fastify.addHook('onClose', async () => { await runner.stop() })
}, { name: 'jobs', dependencies: ['db'] })
