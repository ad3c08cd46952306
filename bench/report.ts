import { cpus, totalmem } from 'node:os'
import { budgetMark, type BudgetResult, type DatabaseRun } from './budgets.js'
import type { Measurement } from './load.js'
import type { BenchOptions } from './options.js'

export interface BenchReport {
  date: string
  machine: { cpus: number, cpuModel: string, memoryGiB: number, node: string, platform: string }
  generator: string
  options: BenchOptions
  /** The higher of the two ceilings: every share is of it. */
  ceiling: Measurement
  ceilings: Measurement[]
  floors: Measurement[]
  runs: DatabaseRun[]
  budgets: BudgetResult[]
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

export function failuresOf (measurement: Measurement, label: string): string[] {
  const problems: string[] = []
  if (measurement.requests === 0) problems.push('no request completed')
  if (measurement.non2xx > 0) {
    const codes = Object.entries(measurement.statusCodes).map(([code, n]) => `${n}× ${code}`)
    problems.push(`${measurement.non2xx} non-2xx (${codes.join(', ')})`)
  }
  if (measurement.errors > 0) problems.push(`${measurement.errors} socket errors (${measurement.timeouts} timeouts)`)
  const signupFailures = Object.entries(measurement.signups?.failed ?? {})
  if (signupFailures.length > 0) problems.push(`sign-ups failed: ${signupFailures.map(([code, n]) => `${n}× ${code}`).join(', ')}`)
  return problems.length === 0 ? [] : [`${label} ${measurement.title}: ${problems.join(', ')}`]
}

const mib = (bytes: number | undefined): string => bytes === undefined ? '?' : (bytes / 2 ** 20).toFixed(0)
const number = (value: number): string => Math.round(value).toLocaleString('en-US')
const ms = (value: number): string => value.toFixed(1)
const micros = (value: number | undefined): string => value === undefined ? '?' : value.toFixed(0)

function row (m: Measurement, ceiling: Measurement): string {
  const share = `${((m.requestsPerSecond / ceiling.requestsPerSecond) * 100).toFixed(1)} %`
  const signups = m.signups === undefined ? '' : ` (${number(m.signups.completed / m.signups.seconds)} sign-ups/s)`
  return `| ${m.title}${signups} | ${m.connections} | ${number(m.requestsPerSecond)} | ${share} | ${m.passes.map(number).join(' · ')} | ` +
    `${ms(m.latencyP50Ms)} | ${ms(m.latencyP99Ms)} | ${micros(m.cpuMicrosPerRequest)} | ${m.non2xx} / ${m.errors} | ${mib(m.peakRssBytes)} |`
}

const HEADER = [
  '| scenario | conns | req/s | of ceiling | req/s of each pass | p50 ms | p99 ms | CPU µs a request | non-2xx / errors | peak RSS MiB |',
  '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|'
]

const FLOORS = [
  ['root', 'floor-root', '`GET /`', 'Fastify + duties'],
  ['user', 'floor-user', 'the users read', 'the minimal read'],
  ['product-create', 'floor-create', '`POST`', 'the minimal create']
] as const

// The share of each floor's req/s that Agora's same route reached on SQLite, where both ran, and the CPU each
// spent on a request, which tells work from waiting.
function floorShares ({ runs, floors }: BenchReport): string[] {
  const sqlite = runs.find((run) => run.database === 'sqlite')
  return FLOORS.flatMap(([agora, floor, route, floorTitle]) => {
    const ours = sqlite?.measurements.find((m) => m.name === agora)
    const theirs = floors.find((m) => m.name === floor)
    if (ours === undefined || theirs === undefined) return []
    const cpu = ` (CPU a request: ${micros(ours.cpuMicrosPerRequest)} µs against ${micros(theirs.cpuMicrosPerRequest)})`
    return [`${route} ${((ours.requestsPerSecond / theirs.requestsPerSecond) * 100).toFixed(1)} % of ${floorTitle}${cpu}`]
  })
}

/** The reference servers, one table per database, then the budgets. */
export function toMarkdown (report: BenchReport): string {
  const { machine, options } = report
  const lines = [
    `Agora benchmark, ${report.date}: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; ` +
    `load from ${report.generator}; ${options.users} users, ${options.products} products, ${options.posts} posts; ` +
    `${options.duration} s per scenario after ${options.warmup} s of warm-up, ${options.passes} ${options.passes === 1 ? 'pass' : 'passes'} taking turns; ` +
    'each row gives its best pass (most req/s), with the req/s of every pass, and its peak RSS over them all.',
    '', '**reference servers** (each its own process)', '', ...HEADER,
    ...[report.ceiling, ...report.floors].map((m) => row(m, report.ceiling)),
    '', `The ceiling was measured at the start and at the end of the run (${report.ceilings.map((m) => number(m.requestsPerSecond)).join(' and ')} req/s, each its best pass); the higher counts.`
  ]
  const besideFloors = floorShares(report)
  if (besideFloors.length > 0) lines.push('', `Agora on SQLite beside its floors: ${besideFloors.join('; ')}.`)
  for (const run of report.runs) {
    lines.push('', `**Agora on ${run.database}** (cold start ${Math.round(run.startupMs)} ms; RSS at rest ${mib(run.idleRssBytes)} MiB, ` +
      `peak over the run ${mib(run.peakRssBytes)} MiB)`, '', ...HEADER, ...run.measurements.map((m) => row(m, report.ceiling)))
  }
  const postgres = report.budgets.some((b) => b.postgres !== undefined)
  lines.push('', '**budgets** (issue 8; judged on SQLite)', '',
    `| budget | target | measured | ok/MISS |${postgres ? ' postgres |' : ''}`,
    `|---|---|--:|---|${postgres ? '--:|' : ''}`,
    ...report.budgets.map((b) => `| ${b.budget} | ${b.target} | ${b.measured} | ${budgetMark(b)} |${postgres ? ` ${b.postgres ?? ''} |` : ''}`))
  if (report.failures.length > 0) lines.push('', 'FAILED:', ...report.failures.map((f) => `- ${f}`))
  return lines.join('\n')
}
