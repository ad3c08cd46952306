import type { Command } from 'commander'
import { startServer } from '../../server.js'
import { loadCliConfig } from '../config.js'

export function registerServe (program: Command): void {
  program.command('serve')
    .description('Start the HTTP server (migrates the database first unless MIGRATE_ON_START=false)')
    .action(async () => {
      await startServer(loadCliConfig())
    })
}
