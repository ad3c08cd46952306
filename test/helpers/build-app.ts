import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildApp, type BuildOptions } from '../../src/app.js'
import { loadConfig, withJwtSecret, type Config } from '../../src/config.js'
import type { Dialect } from '../../src/db/database.js'

export interface Cleanup {
  after (fn: () => unknown): void
}

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export function testDialects (): Dialect[] {
  return process.env.TEST_DATABASE_URL === undefined || process.env.TEST_DATABASE_URL === '' ? ['sqlite'] : ['sqlite', 'postgres']
}

/**
 * A Config on a database of its own: a fresh SQLite file, or a fresh PostgreSQL schema.
 * Both are removed by `t.after`.
 */
export function testConfig (t: Cleanup, dialect: Dialect, overrides: Record<string, string> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'agora-test-'))
  t.after(() => rmSync(dataDir, { recursive: true, force: true }))
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    // Suites sign up and log in far more than a client may; the rate-limit tests turn this on.
    RATE_LIMIT_ENABLED: 'false',
    // A served process stops in moments, not after a production-length drain.
    SHUTDOWN_DRAIN_MS: '200'
  }
  if (dialect === 'postgres') {
    const url = process.env.TEST_DATABASE_URL!
    const schema = `test_${randomBytes(6).toString('hex')}`
    Object.assign(env, { DATABASE_URL: url, DATABASE_SCHEMA: schema, DATABASE_POOL_MAX: '4' })
    t.after(async () => await dropSchema(url, schema))
  }
  return withJwtSecret(loadConfig({ ...env, ...overrides }))
}

async function dropSchema (url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${schema}" cascade`)
  } finally {
    await client.end()
  }
}

/** A migrated app on its own database, closed by `t.after`. */
export async function buildTestApp (
  t: Cleanup, dialect: Dialect, overrides: Record<string, string> = {}, options: BuildOptions = {}
): Promise<FastifyInstance> {
  const config = testConfig(t, dialect, overrides)
  const app = await buildApp(config, options)
  // Registered after the schema drop, so it runs first (after-hooks run in reverse).
  t.after(async () => await app.close())
  return app
}
