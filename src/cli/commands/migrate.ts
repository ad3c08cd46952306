import type { Command } from 'commander'
import { createDb, dialectOf } from '../../db/database.js'
import { migrateDown, migrateToLatest, migrationStatus } from '../../db/migrate.js'
import { loadCliConfig } from '../config.js'

export function registerMigrate (program: Command): void {
  program.command('migrate')
    .description('Apply pending migrations (up), revert the newest (down), or list them (status)')
    .argument('[action]', 'up | down | status', 'up')
    .action(async (action: string) => {
      if (!['up', 'down', 'status'].includes(action)) throw new Error(`Unknown migrate action "${action}": use up, down or status`)
      const config = loadCliConfig()
      const db = createDb(config)
      try {
        console.log(`Database: ${dialectOf(config)}`)
        if (action === 'status') {
          for (const m of await migrationStatus(db, config)) {
            console.log(`${m.executedAt === undefined ? 'pending ' : 'applied '} ${m.name}`)
          }
        } else {
          const names = action === 'up' ? await migrateToLatest(db, config) : await migrateDown(db, config)
          if (names.length === 0) console.log('Nothing to do.')
          for (const name of names) console.log(`${action === 'up' ? 'applied ' : 'reverted'} ${name}`)
        }
      } finally {
        await db.destroy()
      }
    })
}
