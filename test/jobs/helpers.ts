import { spawn, type ChildProcess } from 'node:child_process'
import type { Kysely } from 'kysely'
import pino from 'pino'
import type { Config } from '../../src/config.js'
import { createDb, type Dialect } from '../../src/db/database.js'
import { migrateDown, migrateToLatest } from '../../src/db/migrate.js'
import type { Database } from '../../src/db/tables.js'
import type { WorkerOptions } from '../../src/jobs/jobs.worker.js'
import { testConfig, type Cleanup } from '../helpers/build-app.js'
import { agoraCommand } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait.js'
import './fixtures/test-jobs.js'

export const silentLog = pino({ level: 'silent' })

/** A migrated database of its own, destroyed by `t.after`. */
export async function testDb (
  t: Cleanup, dialect: Dialect, overrides: Record<string, string> = {}
): Promise<{ db: Kysely<Database>, config: Config }> {
  const config = testConfig(t, dialect, { MIGRATE_ON_START: 'false', ...overrides })
  const db = createDb(config)
  t.after(async () => await db.destroy())
  await migrateToLatest(db, config)
  return { db, config }
}

/** Reverts migrations, newest first, up to and including `name`. */
export async function migrateDownThrough (db: Kysely<any>, config: Config, name: string): Promise<void> {
  let reverted: string[] = []
  while (!reverted.includes(name)) {
    reverted = await migrateDown(db, config)
    if (reverted.length === 0) throw new Error(`migration ${name} was never applied`)
  }
}

/** Fast settings: tests wait milliseconds, not seconds. */
export function fastWorkerOptions (overrides: Partial<WorkerOptions> = {}): WorkerOptions {
  return {
    concurrency: 3,
    maxAttempts: 5,
    backoffBaseMs: 10,
    backoffMaxMs: 100,
    visibilityTimeoutMs: 10_000,
    pollIntervalMs: 20,
    shutdownDeadlineMs: 1000,
    retentionMs: 3_600_000,
    ...overrides
  }
}

/** The environment that gives a child process the same configuration. */
export function configEnv (config: Config, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH }
  for (const [key, value] of Object.entries(config)) if (value !== undefined) env[key] = String(value)
  return { ...env, ...overrides }
}

export interface ChildWorker {
  child: ChildProcess
  /** The JSON log lines written so far. */
  logs: Array<Record<string, unknown>>
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** A `data` listener that parses whole lines as JSON into `logs` (a line that is not JSON as `{ msg }`). */
export function jsonLinesInto (logs: Array<Record<string, unknown>>): (chunk: Buffer) => void {
  let pending = ''
  return (chunk) => {
    const lines = (pending + chunk.toString()).split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line))
      } catch {
        logs.push({ msg: line })
      }
    }
  }
}

/**
 * Runs `node --import tsx FILE ARGS` in DATA_DIR (so no stray .env applies), collecting its
 * JSON log lines; `t.after` kills it if the test has not ended it.
 */
export function spawnTs (t: Cleanup, file: string, args: string[], env: NodeJS.ProcessEnv): ChildWorker {
  // tsx by its full URL: the working directory is not the project's.
  return spawnNode(t, ['--import', import.meta.resolve('tsx'), file, ...args], env)
}

/** Runs `agora ARGS` as `spawnTs` runs a file (`agoraCommand` says how). */
export function spawnAgora (t: Cleanup, args: string[], env: NodeJS.ProcessEnv): ChildWorker {
  return spawnNode(t, [...agoraCommand(), ...args], env)
}

function spawnNode (t: Cleanup, nodeArgs: string[], env: NodeJS.ProcessEnv): ChildWorker {
  const child = spawn(process.execPath, nodeArgs, { env, cwd: env.DATA_DIR, stdio: ['ignore', 'pipe', 'pipe'] })
  const logs: Array<Record<string, unknown>> = []
  child.stdout.on('data', jsonLinesInto(logs))
  let errors = ''
  child.stderr.on('data', (chunk: Buffer) => { errors += chunk.toString() })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      if (code !== 0 && code !== null && errors !== '') logs.push({ msg: errors })
      resolve({ code, signal })
    })
  })
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return { child, logs, exited }
}

/** Waits for a log line with this message. */
export async function waitForLog (
  worker: ChildWorker, msg: string | RegExp, timeoutMs = 15_000
): Promise<Record<string, unknown>> {
  return await waitFor(() => worker.logs.find((l) => typeof l.msg === 'string' && (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg))), timeoutMs, `log "${String(msg)}"`)
}
