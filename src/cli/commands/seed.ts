import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { createDb } from '../../db/database.js'
import { migrateToLatest } from '../../db/migrate.js'
import { hashPassword } from '../../lib/passwords.js'
import { seedDatabase } from '../seed/seed.service.js'
import { loadCliConfig } from '../config.js'
import { createProgressBar } from '../progress.js'

// Every seeded user can log in with it: a demo database, never a production one.
const SEED_PASSWORD = 'seed-password'

function count (value: string): number {
  const number = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) throw new InvalidArgumentError('Not a whole number.')
  return number
}

async function seed (options: { users: number, products: number, posts: number, seed: number }): Promise<void> {
  const config = loadCliConfig()
  const db = createDb(config)
  try {
    if (config.MIGRATE_ON_START) await migrateToLatest(db, config)
    const started = performance.now()
    const counts = await seedDatabase(db, options, {
      seed: options.seed,
      hashedPassword: await hashPassword(SEED_PASSWORD),
      onProgress: createProgressBar(),
      onStep: (step) => console.error(`${step[0]!.toUpperCase()}${step.slice(1)}…`)
    })
    const seconds = (performance.now() - started) / 1000
    const rows = counts.users + counts.products + counts.posts
    console.log(`Seeded ${counts.users} users, ${counts.products} products and ${counts.posts} posts in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s).`)
  } finally {
    await db.destroy()
  }
}

export function registerSeed (program: Command): void {
  program.command('seed')
    .description(`Fill the database with fake users (password "${SEED_PASSWORD}"), products with tags, and posts`)
    .option('--users <n>', 'users to add', count, 0)
    .option('--products <n>', 'products to add, owned by random users', count, 0)
    .option('--posts <n>', 'posts to add, by random users', count, 0)
    .option('--seed <n>', 'random seed: the same seed on an empty database gives the same rows', count, 1)
    .action(seed)
}
