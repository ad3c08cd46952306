import { startSignups, type SignupCounts } from './api-user.js'
import { readCpuSeconds } from './cpu.js'
import type { LoadGenerator, LoadResult } from './generators.js'
import { sampleRss } from './rss.js'
import { concretePath, type Scenario, type Target } from './scenarios.js'

export interface Measurement extends LoadResult {
  name: string
  title: string
  target: Target
  connections: number
  requestsPerSecond: number
  /** The req/s of each pass, in the order they ran; the figures above are the best pass's. */
  passes: number[]
  /** Peak resident memory of the loaded process while this scenario ran, over every pass. */
  peakRssBytes: number | undefined
  /** The loaded process's CPU time (all its threads) over the best pass, per request answered. */
  cpuMicrosPerRequest: number | undefined
  signups?: SignupCounts
}

export function rpsOf (measurements: Measurement[], name: string): number | undefined {
  return measurements.find((m) => m.name === name)?.requestsPerSecond
}

/** The pass with the most req/s stands for all: a busy neighbour on the machine only ever slows a pass down. */
export function bestPass (passes: Measurement[]): Measurement {
  const best = passes.reduce((a, b) => b.requestsPerSecond > a.requestsPerSecond ? b : a)
  const rss = passes.map((m) => m.peakRssBytes).filter((bytes) => bytes !== undefined)
  return {
    ...best,
    passes: passes.map((m) => m.requestsPerSecond),
    peakRssBytes: rss.length === 0 ? undefined : Math.max(...rss)
  }
}

async function probe (scenario: Scenario, baseUrl: string): Promise<void> {
  const response = await fetch(`${baseUrl}${concretePath(scenario)}`, { method: scenario.method, headers: scenario.headers, body: scenario.body })
  const text = await response.text()
  if (!response.ok) throw new Error(`answered ${response.status}: ${text.slice(0, 300)}`)
  if (scenario.expectItems === true) {
    const { items } = JSON.parse(text) as { items?: unknown[] }
    if (!Array.isArray(items) || items.length === 0) throw new Error(`answered a page without items: ${text.slice(0, 300)}`)
  }
}

/** Probes first, so that a broken route fails with its answer in the message rather than as a count of non-2xx. */
export async function measure (
  scenario: Scenario, baseUrl: string, pid: number, run: { seconds: number, warmup: number, generator: LoadGenerator }
): Promise<Measurement> {
  try {
    await probe(scenario, baseUrl)
  } catch (error) {
    throw new Error(`${scenario.title} ${error instanceof Error ? error.message : String(error)}`)
  }
  process.stderr.write(`${scenario.title}: ${run.warmup > 0 ? `${run.warmup} s warm-up, then ` : ''}${run.seconds} s with ${scenario.connections} connections\n`)
  const signups = scenario.signups === undefined ? undefined : startSignups(baseUrl, scenario.signups)
  try {
    if (run.warmup > 0) await run.generator(scenario, baseUrl, run.warmup)
    const rss = sampleRss(pid)
    const cpuBefore = readCpuSeconds(pid)
    const result = await run.generator(scenario, baseUrl, run.seconds)
    const cpuAfter = readCpuSeconds(pid)
    const peakRssBytes = rss.stop()
    const cpuMicrosPerRequest = cpuBefore === undefined || cpuAfter === undefined || result.requests === 0
      ? undefined
      : (cpuAfter - cpuBefore) * 1e6 / result.requests
    return {
      name: scenario.name,
      title: scenario.title,
      target: scenario.target,
      connections: scenario.connections,
      ...result,
      requestsPerSecond: result.requests / result.durationSeconds,
      passes: [result.requests / result.durationSeconds],
      peakRssBytes,
      cpuMicrosPerRequest,
      ...(signups === undefined ? {} : { signups: await signups.stop() })
    }
  } finally {
    await signups?.stop()
  }
}
