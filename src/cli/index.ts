#!/usr/bin/env node
import { Command } from 'commander'
import { registerJobs } from './commands/jobs.js'
import { registerMigrate } from './commands/migrate.js'
import { registerSeed } from './commands/seed.js'
import { registerServe } from './commands/serve.js'
import { registerUsers } from './commands/users.js'
import { registerWorker } from './commands/worker.js'

const program = new Command('agora')
  .description('Agora: a REST API for users, products, posts and uploads')
registerServe(program)
registerMigrate(program)
registerWorker(program)
registerJobs(program)
registerUsers(program)
registerSeed(program)

try {
  await program.parseAsync()
} catch (error) {
  console.error(`agora: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
