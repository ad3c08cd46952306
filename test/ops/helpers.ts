import { jsonLinesInto } from '../jobs/helpers.js'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Cleanup } from '../helpers/build-app.js'
import { agoraCommand } from '../helpers/cli.js'
import { freePort } from '../helpers/smtp.js'
import { waitFor } from '../helpers/wait.js'

export { freePort }

/** A temp dir removed by `t.after`. */
export function tempDir (t: Cleanup, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `agora-${name}-`))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface Proc {
  child: ChildProcess
  /** Every JSON log line so far (other lines as `{ msg }`). */
  logs: Array<Record<string, unknown>>
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** Runs a command, keeping its JSON log lines; `t.after` kills it if it still runs. */
export function start (
  t: Cleanup, command: string, args: string[],
  options: { env?: NodeJS.ProcessEnv, cwd?: string, stopSignal?: NodeJS.Signals } = {}
): Proc {
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  const logs: Array<Record<string, unknown>> = []
  // One reader for both streams, as before: a line split across them is not expected.
  const collect = jsonLinesInto(logs)
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }))
  })
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // nginx's workers outlive a master killed outright, and hold our pipes open.
      child.kill(options.stopSignal ?? 'SIGKILL')
      await exited
    }
    child.stdout.destroy()
    child.stderr.destroy()
  })
  return { child, logs, exited }
}

/** `agora ARGS` in `cwd` (cluster workers inherit the tsx loader when there is one). */
export function startAgora (t: Cleanup, args: string[], env: Record<string, string>, cwd: string): Proc {
  return start(t, process.execPath, [...agoraCommand(), ...args], { env: { PATH: process.env.PATH, ...env }, cwd })
}

/** The env of an instance for tests: quiet, fast to stop. */
export function agoraEnv (
  dataDir: string, port: number, overrides: Record<string, string> = {}
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    JWT_SECRET: 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    SHUTDOWN_DRAIN_MS: '500',
    SHUTDOWN_TIMEOUT_MS: '2000',
    JOBS_SHUTDOWN_DEADLINE_MS: '200',
    JOBS_POLL_INTERVAL_MS: '200',
    RATE_LIMIT_GLOBAL: '1000000/minute',
    RATE_LIMIT_SIGNUP: '1000000/hour',
    ...overrides
  }
}

export interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  ms: number
}

interface RequestOptions {
  body?: unknown
  token?: string
  agent?: http.Agent
  headers?: Record<string, string>
  timeoutMs?: number
}

/** One HTTP request; a network error rejects. */
export async function request (
  port: number, method: string, path: string, options: RequestOptions = {}
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
  const started = performance.now()
  return await new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method,
      path,
      agent: options.agent ?? false,
      timeout: options.timeoutMs ?? 15_000,
      headers: {
        ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers
      }
    }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - started }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('request timed out')))
    req.on('error', reject)
    req.end(payload)
  })
}

/** Waits until GET /ready on `port` answers 200. */
export async function waitReady (port: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    try {
      return (await request(port, 'GET', '/ready', { timeoutMs: 2000 })).status === 200
    } catch {
      return false
    }
  }, timeoutMs, `instance on port ${port} to be ready`)
}

/** Signs a user up and logs in; returns the access token. */
export async function signUp (port: number, email: string): Promise<string> {
  const created = await request(port, 'POST', '/api/v1/users', { body: { name: 'Ops', email, password: 'correct-horse' } })
  if (created.status !== 201) throw new Error(`sign-up: ${created.status} ${created.body}`)
  const login = await request(port, 'POST', '/login', { body: { email, password: 'correct-horse' } })
  if (login.status !== 200) throw new Error(`login: ${login.status} ${login.body}`)
  return (JSON.parse(login.body) as { access_token: string }).access_token
}

/** The PostgreSQL binaries of the newest installed version, or undefined. */
export function postgresBin (): string | undefined {
  const found = spawnSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1'], { encoding: 'utf8' }).stdout.trim()
  return found === '' ? undefined : found
}

/** Runs a PostgreSQL binary, as the postgres user when we are root (initdb refuses root). */
export function asPostgres (bin: string, args: string[]): { command: string, args: string[] } {
  if (process.getuid?.() !== 0) return { command: bin, args }
  return { command: 'runuser', args: ['-u', 'postgres', '--', bin, ...args] }
}

/** A data dir the postgres user may write to. */
export function postgresDir (t: Cleanup): string {
  const dir = tempDir(t, 'pg')
  chmodSync(dir, 0o777)
  if (process.getuid?.() === 0) spawnSync('chown', ['postgres', dir])
  return dir
}

export function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export interface Load {
  answers: Answer[]
  /** Network errors: a request that got no answer at all. */
  errors: string[]
  stop (): Promise<void>
}

/**
 * A stream of reads and writes from `clients` loops, each request on a keep-alive
 * connection, until `stop()`.
 */
export function startLoad (port: number, token: string, clients = 4, pauseMs = 10): Load {
  const load: Load = { answers: [], errors: [], stop: async () => {} }
  const state = { running: true }
  const loops = Array.from({ length: clients }, async (_, client) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    for (let n = 0; state.running; n++) {
      const write = n % 2 === 0
      try {
        load.answers.push(await request(port, write ? 'POST' : 'GET', write ? '/api/v1/products' : '/api/v1/products?page_size=5', {
          agent, token, ...(write ? { body: { name: `load ${client}-${n}`, price: 2, quantity: 1 } } : {})
        }))
      } catch (error) {
        load.errors.push(`${write ? 'POST' : 'GET'}: ${(error as Error).message}`)
      }
      await sleep(pauseMs)
    }
    agent.destroy()
  })
  load.stop = async () => {
    state.running = false
    await Promise.all(loops)
  }
  return load
}

/** Answers other than 2xx, as `status body` lines, but 503s that carry Retry-After and `{detail}`. */
export function unexpected (answers: Answer[]): string[] {
  return answers.filter((a) => {
    if (a.status < 300) return false
    if (a.status !== 503) return true
    return a.headers['retry-after'] === undefined || typeof (JSON.parse(a.body) as { detail?: unknown }).detail !== 'string'
  }).map((a) => `${a.status} ${a.body}`)
}
