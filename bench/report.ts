import { cpus, totalmem } from 'node:os'
import type { Measurement } from './load.js'
import type { BenchOptions } from './options.js'

export interface DatabaseRun {
  database: string
  /** The server's RSS once started and migrated, before any load. */
  idleRssBytes: number | undefined
  measurements: Measurement[]
}

export interface BenchReport {
  date: string
  machine: { cpus: number, cpuModel: string, memoryGiB: number, node: string, platform: string }
  options: BenchOptions
  ceiling: Measurement
  runs: DatabaseRun[]
  /** Scenarios that had a non-2xx answer or a connection error: the run failed. */
  failures: string[]
}

export function describeMachine (): BenchReport['machine'] {
  const list = cpus()
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`
  }
}

export function failuresOf (measurement: Measurement, database: string): string[] {
  const problems: string[] = []
  if (measurement.non2xx > 0) {
    const codes = Object.entries(measurement.statusCodes).filter(([code]) => !code.startsWith('2')).map(([code, n]) => `${n}× ${code}`)
    problems.push(`${measurement.non2xx} non-2xx (${codes.join(', ')})`)
  }
  if (measurement.errors > 0) problems.push(`${measurement.errors} errors (${measurement.timeouts} timeouts)`)
  return problems.length === 0 ? [] : [`${database} ${measurement.title}: ${problems.join(', ')}`]
}

const mib = (bytes: number | undefined): string => bytes === undefined ? '?' : (bytes / 2 ** 20).toFixed(0)
const number = (value: number): string => Math.round(value).toLocaleString('en-US')

function row (m: Measurement, ceiling: Measurement): string {
  const share = `${((m.requestsPerSecond / ceiling.requestsPerSecond) * 100).toFixed(1)} %`
  const bad = `${m.non2xx} / ${m.errors}`
  return `| ${m.title} | ${m.connections} | ${number(m.requestsPerSecond)} | ${share} | ${m.latencyP50Ms} | ${m.latencyP99Ms} | ${bad} | ${mib(m.peakRssBytes)} |`
}

/** One markdown table per database, each starting with the shared ceiling. */
export function toMarkdown (report: BenchReport): string {
  const { machine, options } = report
  const lines = [
    `Agora benchmark, ${report.date}: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; ` +
    `${options.users} users, ${options.products} products, ${options.posts} posts; ${options.duration} s per scenario.`
  ]
  for (const run of report.runs) {
    lines.push('', `**${run.database}** (server RSS at rest: ${mib(run.idleRssBytes)} MiB)`, '',
      '| scenario | conns | req/s | of ceiling | p50 ms | p99 ms | non-2xx / errors | peak RSS MiB |',
      '|---|--:|--:|--:|--:|--:|--:|--:|',
      row(report.ceiling, report.ceiling),
      ...run.measurements.map((m) => row(m, report.ceiling)))
  }
  if (report.failures.length > 0) lines.push('', 'FAILED:', ...report.failures.map((f) => `- ${f}`))
  return lines.join('\n')
}
