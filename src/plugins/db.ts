import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import { createDb } from '../db/database.js'
import { analyzeIfNeverAnalyzed } from '../db/dialect-sql.js'
import { migrateToLatest } from '../db/migrate.js'
import type { Database } from '../db/tables.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>
  }
}

/** Opens the database (migrating it when MIGRATE_ON_START is on) and closes it with the app. */
export default fp<{ config: Config }>(async function db (fastify, { config }) {
  const database = createDb(config, fastify.log)
  if (config.MIGRATE_ON_START) {
    try {
      const applied = await migrateToLatest(database, config)
      if (applied.length > 0) fastify.log.info({ migrations: applied }, 'database migrated')
      await analyzeIfNeverAnalyzed(database)
    } catch (error) {
      await database.destroy()
      throw error
    }
  }
  fastify.addHook('onClose', async () => { await database.destroy() })
  fastify.decorate('db', database)
}, { name: 'db' })
