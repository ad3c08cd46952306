// `npm run bench`: the real server, built and started as in production, under wrk (else autocannon), beside
// reference servers measured in the same run: the bare node:http ceiling, Fastify alone, and the floors, Agora's
// routes written minimally on its own stack with its production duties. Exits 1 if any request failed, so that a
// fast number never hides broken answers; a missed budget is reported, not fatal.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBenchUser } from './api-user.js'
import { judgeBudgets, type DatabaseRun } from './budgets.js'
import { buildServer, ROOT } from './build.js'
import { postgresDatabase, seedDatabase, sqliteDatabase, type BenchDatabase } from './database.js'
import { runAutocannon, runWrk, wrkVersion, type LoadGenerator } from './generators.js'
import { bestPass, measure, rpsOf, type Measurement } from './load.js'
import { parseOptions, USAGE, type BenchOptions } from './options.js'
import { freePort, startProcess, type RunningProcess } from './processes.js'
import { describeMachine, failuresOf, toMarkdown, type BenchReport } from './report.js'
import { readRss, sampleRss } from './rss.js'
import { addsRows, agoraScenarios, referenceScenarios, selected, type Scenario } from './scenarios.js'

const log = (message: string): void => { process.stderr.write(`${message}\n`) }

// Undone newest first, whether the run ends well, badly or on Ctrl-C.
const cleanups: Array<() => Promise<void>> = []
async function cleanUp (): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try { await cleanup() } catch (error) { log(`cleanup: ${String(error)}`) }
  }
}

interface Bench {
  options: BenchOptions
  generator: LoadGenerator
  workDir: string
  failures: string[]
}

// The passes take turns through the scenarios, so that a busy spell on the machine spoils one pass of a scenario,
// not all. Scenarios that add rows run after those that only read, which all see the seeded data.
async function measureAll (
  bench: Bench, label: string, scenarios: Scenario[], target: RunningProcess
): Promise<Measurement[]> {
  const { duration: seconds, warmup, passes, only } = bench.options
  const chosen = scenarios.filter((s) => selected(s, only))
  const measured = new Map<string, Measurement[]>()
  for (const group of [chosen.filter((s) => !addsRows(s)), chosen.filter(addsRows)]) {
    for (let pass = 0; pass < passes; pass++) {
      const passLabel = passes > 1 ? `${label} pass ${pass + 1}` : label
      for (const scenario of group) {
        try {
          const run = { seconds, warmup, generator: bench.generator }
          const measurement = await measure(scenario, target.url, target.pid, run)
          measured.set(scenario.name, [...measured.get(scenario.name) ?? [], measurement])
          bench.failures.push(...failuresOf(measurement, passLabel))
        } catch (error) {
          bench.failures.push(`${passLabel} ${error instanceof Error ? error.message : String(error)}`)
        }
      }
    }
  }
  return chosen.flatMap((s) => {
    const runs = measured.get(s.name)
    return runs === undefined ? [] : [bestPass(runs)]
  })
}

async function startFloor (bench: Bench, file: string, env: NodeJS.ProcessEnv = {}): Promise<RunningProcess> {
  const port = await freePort()
  const floor = await startProcess(file, [join(ROOT, 'bench/floors', file)], {
    cwd: bench.workDir, env: { PATH: process.env.PATH, PORT: String(port), ...env }, port, healthPath: '/'
  })
  cleanups.push(floor.stop)
  return floor
}

async function measureFloors (
  bench: Bench, file: string, scenarios: Scenario[], env: NodeJS.ProcessEnv
): Promise<Measurement[]> {
  if (scenarios.length === 0) return []
  const floor = await startFloor(bench, file, env)
  const measurements = await measureAll(bench, 'floor', scenarios, floor)
  await floor.stop()
  return measurements
}

async function measureCeiling (bench: Bench, scenario: Scenario): Promise<Measurement> {
  const ceilingProcess = await startFloor(bench, 'ceiling.mjs')
  const [ceiling] = await measureAll(bench, 'reference', [scenario], ceilingProcess)
  await ceilingProcess.stop()
  if (ceiling === undefined) throw new Error(`the ceiling could not be measured: ${bench.failures.join('; ')}`)
  return ceiling
}

// Only what the server needs: a DATABASE_URL or LOG_LEVEL in our shell (or a .env, hence the work directory as cwd)
// must not change what is measured. Production defaults, but rate limits off, or the load would measure 429s.
function serverEnvironment (database: BenchDatabase, jwtSecret: string, port?: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    JWT_SECRET: jwtSecret,
    HOST: '127.0.0.1',
    ...(port === undefined ? {} : { PORT: String(port) }),
    LOG_LEVEL: 'info',
    METRICS_ENABLED: 'true',
    RATE_LIMIT_ENABLED: 'false',
    // No load balancer to drain from: stop as soon as the run is done.
    SHUTDOWN_DRAIN_MS: '0',
    ...database.env
  }
}

async function benchDatabase (
  bench: Bench, database: BenchDatabase, cli: string
): Promise<{ run: DatabaseRun, floors: Measurement[] }> {
  const { options, workDir } = bench
  const jwtSecret = randomBytes(32).toString('hex')
  log(`\n[${database.label}] seeding ${options.users} users, ${options.products} products, ${options.posts} posts`)
  cleanups.push(database.drop)
  await seedDatabase(cli, workDir, serverEnvironment(database, jwtSecret), options)
  await database.settle()

  const port = await freePort()
  log(`[${database.label}] starting the server on port ${port}`)
  const server = await startProcess('agora serve', [cli, 'serve'], { cwd: workDir, env: serverEnvironment(database, jwtSecret, port), port, healthPath: '/ready' })
  cleanups.push(server.stop)
  const wholeRun = sampleRss(server.pid)
  // Before any load: what the process holds just to be up.
  const idleRssBytes = readRss(server.pid)
  const context = { options, accessToken: await createBenchUser(server.url), jwtSecret }

  // The floors read and write the SQLite file: on PostgreSQL there are none.
  const floorsOf = (target: Scenario['target']): Scenario[] => database.file === undefined
    ? []
    : referenceScenarios(context).filter((s) => s.target === target && selected(s, options.only))
  const floorEnvironment = { DATABASE_PATH: database.file, JWT_SECRET: jwtSecret, LOG_LEVEL: 'info' }
  const floors = await measureFloors(bench, 'minimal-read.mjs', floorsOf('floor'), floorEnvironment)
  const measurements = await measureAll(bench, database.label, agoraScenarios(context), server)
  const peakRssBytes = wholeRun.stop()
  await server.stop()
  floors.push(...await measureFloors(bench, 'minimal-create.mjs', floorsOf('write-floor'), floorEnvironment))
  const run = { database: database.label, startupMs: server.startupMs, idleRssBytes, peakRssBytes, measurements }
  return { run, floors }
}

async function main (): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env)
  if (options === 'help') { console.log(USAGE); return 0 }
  const wrk = options.generator === 'autocannon' ? undefined : wrkVersion()
  if (options.generator === 'wrk' && wrk === undefined) throw new Error('--generator wrk: wrk is not installed (Debian: apt-get install wrk)')

  const workDir = await mkdtemp(join(tmpdir(), 'agora-bench-'))
  cleanups.push(async () => { await rm(workDir, { recursive: true, force: true }) })
  const bench: Bench = { options, generator: wrk === undefined ? runAutocannon : runWrk, workDir, failures: [] }
  log(`Load from ${wrk ?? 'autocannon'}. Compiling src/ into ${workDir}`)
  const cli = await buildServer(workDir)

  // The ceiling and Fastify alone need no database, token or secret.
  const [ceilingScenario, fastifyScenario] = referenceScenarios({ options, accessToken: '', jwtSecret: '' })
  if (ceilingScenario === undefined || fastifyScenario === undefined) throw new Error('no ceiling scenario')
  const ceilings = [await measureCeiling(bench, ceilingScenario)]
  const floors: Measurement[] = []
  if (selected(fastifyScenario, options.only)) {
    const fastify = await startFloor(bench, 'fastify-alone.mjs')
    floors.push(...await measureAll(bench, 'reference', [fastifyScenario], fastify))
    await fastify.stop()
  }

  const databases = [await sqliteDatabase(workDir)]
  if (options.postgresUrl !== undefined) databases.push(await postgresDatabase(options.postgresUrl, workDir))
  const runs: DatabaseRun[] = []
  for (const database of databases) {
    const result = await benchDatabase(bench, database, cli)
    runs.push(result.run)
    floors.push(...result.floors)
  }

  // Measured again at the end: one busy moment on the machine would lower every share.
  ceilings.push(await measureCeiling(bench, ceilingScenario))
  const ceiling = ceilings.reduce((best, m) => m.requestsPerSecond > best.requestsPerSecond ? m : best)
  const floorUser = rpsOf(floors, 'floor-user')
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    generator: wrk === undefined ? 'autocannon (in the bench process)' : `${wrk} (its own process)`,
    options,
    ceiling,
    ceilings,
    floors,
    runs,
    budgets: judgeBudgets(runs, ceiling.requestsPerSecond, floorUser),
    failures: bench.failures
  }
  console.log(toMarkdown(report))
  if (options.out !== undefined) {
    await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`)
    log(`\nWrote ${options.out}`)
  }
  return bench.failures.length === 0 ? 0 : 1
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { cleanUp().finally(() => process.exit(130)).catch(() => {}) })
}
try {
  process.exitCode = await main()
} catch (error) {
  log(`bench: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  await cleanUp()
}
