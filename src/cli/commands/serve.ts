import cluster from 'node:cluster'
import type { Command } from 'commander'
import { runPrimary } from '../../cluster/primary.js'
import { workerCount } from '../../config.js'
import { startServer } from '../../server.js'
import { loadCliConfig } from '../config.js'

export function registerServe (program: Command): void {
  program.command('serve')
    .description('Start the HTTP server (migrates the database first unless MIGRATE_ON_START=false)')
    .option('--workers <n>', 'processes to serve with, a number or `auto` (one per core); overrides WORKERS')
    .action(async (options: { workers?: string }) => {
      const config = loadCliConfig(options.workers !== undefined ? { WORKERS: options.workers } : {})
      const count = workerCount(config)
      // A forked worker runs this same command: it serves.
      if (count > 1 && cluster.isPrimary) await runPrimary(config, count)
      else await startServer(config)
    })
}
