import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import type { Config } from './config.js'

/**
 * Builds the app, listens, starts the job worker (unless JOBS_WORKER_IN_SERVE=false), and
 * closes it all gracefully on SIGINT/SIGTERM.
 */
export async function startServer (config: Config): Promise<FastifyInstance> {
  const app = await buildApp(config)
  // The jobs' shutdown deadline comes first; HTTP connections and the database close after.
  closeWithGrace({ delay: Math.max(10_000, config.JOBS_SHUTDOWN_DEADLINE_MS + 5000) }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'closing after an uncaught error')
    else app.log.info({ signal }, 'closing')
    await app.close()
  })
  await app.listen({ host: config.HOST, port: config.PORT })
  if (config.JOBS_WORKER_IN_SERVE) app.jobs.start()
  return app
}
