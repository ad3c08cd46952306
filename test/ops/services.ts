import { execFile, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Cleanup } from '../helpers/build-app.js'
import { asPostgres, freePort, postgresBin, postgresDir, start, type Proc } from './helpers.js'

/** A PostgreSQL of the test's own, on a free port in a temp dir; never the shared one. */
export interface OwnPostgres {
  url: string
  restart (): Promise<void>
}

const execFileAsync = promisify(execFile)

/** Runs pg_ctl without blocking the event loop: the test's load runs on meanwhile. */
async function pgCtl (bin: string, dataDir: string, args: string[]): Promise<void> {
  const { command, args: argv } = asPostgres(join(bin, 'pg_ctl'), ['-D', dataDir, ...args])
  await execFileAsync(command, argv, { cwd: '/tmp' })
}

/** Why the own-services tests cannot run here, or undefined when they can. */
export function missingServices (): string | undefined {
  if (postgresBin() === undefined) return 'PostgreSQL binaries (/usr/lib/postgresql/*/bin) are not installed'
  if (spawnSync('redis-server', ['--version']).status !== 0) return 'redis-server is not installed'
  return undefined
}

export async function startPostgres (t: Cleanup): Promise<OwnPostgres> {
  const bin = postgresBin()!
  const dir = postgresDir(t)
  const dataDir = join(dir, 'data')
  const port = await freePort()
  const init = asPostgres(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  const run = spawnSync(init.command, init.args, { cwd: '/tmp', encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`initdb: ${run.stderr}`)
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`
  const startIt = async (): Promise<void> => await pgCtl(bin, dataDir, ['-o', options, '-l', join(dir, 'log'), '-w', 'start'])
  await startIt()
  t.after(async () => { if (existsSync(join(dataDir, 'postmaster.pid'))) await pgCtl(bin, dataDir, ['-m', 'immediate', 'stop']) })
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // "fast": every connection gets 57P01, as on a real restart.
    restart: async () => {
      await pgCtl(bin, dataDir, ['-m', 'fast', '-w', 'stop'])
      await startIt()
    }
  }
}

/** A Redis of the test's own; `start()` again after a kill brings it back on the same port. */
export interface OwnRedis {
  url: string
  proc: Proc
  start (): Promise<void>
}

export async function startRedis (t: Cleanup): Promise<OwnRedis> {
  const port = await freePort()
  const own: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    proc: undefined as unknown as Proc,
    async start () {
      own.proc = start(t, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'])
      for (let i = 0; i < 100; i++) {
        if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error('redis-server did not start')
    }
  }
  await own.start()
  return own
}
