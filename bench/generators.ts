import { spawn, spawnSync } from 'node:child_process'
import autocannon from 'autocannon'
import { join } from 'node:path'
import { ROOT } from './build.js'
import { concretePath, type Scenario } from './scenarios.js'

/** What one load run gives, whichever generator made it. */
export interface LoadResult {
  requests: number
  durationSeconds: number
  latencyP50Ms: number
  latencyP99Ms: number
  non2xx: number
  /** Non-2xx answers by status code. */
  statusCodes: Record<string, number>
  /** Socket errors of any kind, timeouts included. */
  errors: number
  timeouts: number
}

export type LoadGenerator = (scenario: Scenario, baseUrl: string, seconds: number) => Promise<LoadResult>

export function wrkVersion (): string | undefined {
  const result = spawnSync('wrk', ['-v'], { encoding: 'utf8' })
  if (result.error !== undefined) return undefined
  return /wrk \S+/.exec(`${result.stdout}${result.stderr}`)?.[0]
}

interface WrkLine {
  requests: number
  duration_us: number
  p50_us: number
  p99_us: number
  non2xx: number
  statuses: Record<string, number>
  connect: number
  read: number
  write: number
  timeout: number
}

/** wrk in its own process, on one thread: that keeps up with 50 connections and leaves the other core to the server. */
export const runWrk: LoadGenerator = async (scenario, baseUrl, seconds) => {
  const headers = Object.entries(scenario.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`])
  const args = ['-t1', `-c${scenario.connections}`, `-d${seconds}s`, '--latency', '--timeout', '2s', '-s', join(ROOT, 'bench/wrk.lua'), ...headers, `${baseUrl}/`]
  const env = {
    ...process.env,
    BENCH_METHOD: scenario.method,
    BENCH_PATH: scenario.path,
    BENCH_IDS: String(scenario.ids ?? 0),
    ...(scenario.body === undefined ? {} : { BENCH_BODY: scenario.body })
  }
  const child = spawn('wrk', args, { env, stdio: ['ignore', 'pipe', 2] })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  })
  const line = /^BENCH_RESULT (.*)$/m.exec(output)?.[1]
  if (code !== 0 || line === undefined) throw new Error(`wrk exited with ${String(code)}: ${output.slice(-500)}`)
  const r = JSON.parse(line) as WrkLine
  return {
    requests: r.requests,
    durationSeconds: r.duration_us / 1e6,
    latencyP50Ms: r.p50_us / 1000,
    latencyP99Ms: r.p99_us / 1000,
    non2xx: r.non2xx,
    statusCodes: r.statuses,
    errors: r.connect + r.read + r.write + r.timeout,
    timeouts: r.timeout
  }
}

/** The fallback: autocannon in the bench's own process, which shares the machine's cores with the server. */
export const runAutocannon: LoadGenerator = async (scenario, baseUrl, seconds) => {
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon({
      url: `${baseUrl}${concretePath(scenario)}`,
      method: scenario.method,
      headers: scenario.headers,
      body: scenario.body,
      connections: scenario.connections,
      duration: seconds,
      ...(scenario.ids === undefined
        ? {}
        : { requests: [{ setupRequest: (request) => ({ ...request, path: concretePath(scenario) }) }] })
    }, (error, result) => { if (error === null || error === undefined) resolve(result); else reject(error) })
  })
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {})
    .filter(([code]) => !code.startsWith('2')).map(([code, { count }]) => [code, count ?? 0]))
  return {
    requests: result.requests.total,
    durationSeconds: result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts
  }
}
