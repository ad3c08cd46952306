import autocannon from 'autocannon'
import { sampleRss } from './rss.js'
import type { Scenario } from './scenarios.js'

export interface Measurement {
  name: string
  title: string
  connections: number
  durationSeconds: number
  requestsPerSecond: number
  latencyP50Ms: number
  latencyP99Ms: number
  requests: number
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
  /** Peak resident memory of the server process while this scenario ran. */
  peakRssBytes: number | undefined
}

async function fire (scenario: Scenario, baseUrl: string, seconds: number, showProgress: boolean): Promise<autocannon.Result> {
  const nextPath = scenario.nextPath
  return await new Promise((resolve, reject) => {
    // With a callback autocannon returns the running instance, which `track` needs.
    const instance = autocannon({
      url: `${baseUrl}${scenario.path}`,
      method: scenario.method,
      headers: scenario.headers,
      body: scenario.body,
      connections: scenario.connections,
      duration: seconds,
      ...(nextPath === undefined ? {} : { requests: [{ setupRequest: (request) => ({ ...request, path: nextPath() }) }] })
    }, (error, result) => { if (error === null || error === undefined) resolve(result); else reject(error) })
    // autocannon redraws its bar in place, which only makes sense on a terminal.
    if (showProgress) autocannon.track(instance, { outputStream: process.stderr, renderResultsTable: false })
  })
}

/**
 * One request first, so that a broken route fails with its answer in the message rather
 * than as a count of non-2xx; then `warmup` unmeasured seconds; then the measured run.
 */
export async function measure (scenario: Scenario, baseUrl: string, pid: number, seconds: number, warmup: number): Promise<Measurement> {
  const probe = await fetch(`${baseUrl}${scenario.path}`, { method: scenario.method, headers: scenario.headers, body: scenario.body })
  if (!probe.ok) throw new Error(`${scenario.title} answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`)
  await probe.arrayBuffer()

  const showProgress = process.stderr.isTTY
  process.stderr.write(`${scenario.title}: ${warmup > 0 ? `${warmup} s warm-up, then ` : ''}${seconds} s with ${scenario.connections} connections\n`)
  if (warmup > 0) await fire(scenario, baseUrl, warmup, false)
  const rss = sampleRss(pid)
  const result = await fire(scenario, baseUrl, seconds, showProgress)
  const peakRssBytes = rss.stop()

  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count ?? 0]))
  return {
    name: scenario.name,
    title: scenario.title,
    connections: scenario.connections,
    durationSeconds: result.duration,
    // The mean over the run's seconds, as autocannon's own summary reports it.
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    peakRssBytes
  }
}
