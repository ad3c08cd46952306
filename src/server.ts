import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { uploadDirOf, type Config } from './config.js'
import { removeAbandonedFiles } from './modules/uploads/upload-storage.js'

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
  // An upload cannot take longer than its request may: older partial files are a crash's.
  const abandoned = await removeAbandonedFiles(uploadDirOf(config), config.REQUEST_TIMEOUT_MS * 2)
  if (abandoned > 0) app.log.info({ files: abandoned }, 'removed partial uploads left by an earlier process')
  if (config.JOBS_WORKER_IN_SERVE) app.jobs.start()
  return app
}
