// `npm run bench`: the real server, built and started as in production, under autocannon,
// next to a bare node:http ceiling measured in the same run. Results go to stdout as
// markdown (and to --out as JSON); progress goes to stderr. Exits 1 if any request of a
// scenario failed, so that a fast number can never hide broken answers.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBenchUser } from './api-user.js'
import { buildServer, ROOT } from './build.js'
import { postgresDatabase, seedDatabase, sqliteDatabase, type BenchDatabase } from './database.js'
import { measure, type Measurement } from './load.js'
import { parseOptions, USAGE, type BenchOptions } from './options.js'
import { freePort, startProcess, type RunningProcess } from './processes.js'
import { describeMachine, failuresOf, toMarkdown, type BenchReport, type DatabaseRun } from './report.js'
import { readRss } from './rss.js'
import { buildScenarios } from './scenarios.js'

const log = (message: string): void => { process.stderr.write(`${message}\n`) }

/** Everything to undo, newest first, whether the run ends well, badly or on Ctrl-C. */
const cleanups: Array<() => Promise<void>> = []
async function cleanUp (): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try { await cleanup() } catch (error) { log(`cleanup: ${String(error)}`) }
  }
}

/**
 * Only what the server needs, not our whole environment: a DATABASE_URL or LOG_LEVEL
 * exported in the shell (or a .env, hence the work directory as cwd) must not change
 * what is measured.
 */
function serverEnvironment (database: BenchDatabase, jwtSecret: string, port?: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    JWT_SECRET: jwtSecret,
    HOST: '127.0.0.1',
    ...(port === undefined ? {} : { PORT: String(port) }),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_ENABLED: 'false',
    ...database.env
  }
}

async function benchDatabase (
  database: BenchDatabase, cli: string, workDir: string, options: BenchOptions, failures: string[]
): Promise<DatabaseRun> {
  const jwtSecret = randomBytes(32).toString('hex')
  log(`\n[${database.label}] seeding ${options.users} users, ${options.products} products, ${options.posts} posts`)
  cleanups.push(database.drop)
  await seedDatabase(cli, workDir, serverEnvironment(database, jwtSecret), options)
  await database.settle()

  const port = await freePort()
  log(`[${database.label}] starting the server on port ${port}`)
  const server = await startProcess('agora serve', [cli, 'serve'], { cwd: workDir, env: serverEnvironment(database, jwtSecret, port), port, healthPath: '/health' })
  cleanups.push(server.stop)
  const user = await createBenchUser(server.url)
  // Before any load: what the process holds just to be up, against the peaks under load.
  const idleRssBytes = readRss(server.pid)

  const measurements: Measurement[] = []
  const scenarios = buildScenarios({ options, user, jwtSecret })
    .filter((s) => s.target === 'agora' && (options.only.length === 0 || options.only.includes(s.name)))
  for (const scenario of scenarios) {
    try {
      const measurement = await measure(scenario, server.url, server.pid, options.duration, options.warmup)
      measurements.push(measurement)
      failures.push(...failuresOf(measurement, database.label))
    } catch (error) {
      failures.push(`${database.label} ${scenario.title}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  await server.stop()
  return { database: database.label, idleRssBytes, measurements }
}

async function main (): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env)
  if (options === 'help') { console.log(USAGE); return 0 }

  const workDir = await mkdtemp(join(tmpdir(), 'agora-bench-'))
  cleanups.push(async () => { await rm(workDir, { recursive: true, force: true }) })
  log(`Compiling src/ into ${workDir}`)
  const cli = await buildServer(workDir)

  const ceilingPort = await freePort()
  const ceilingProcess: RunningProcess = await startProcess('ceiling', [join(ROOT, 'bench/ceiling-server.mjs')], {
    cwd: workDir, env: { PATH: process.env.PATH, PORT: String(ceilingPort) }, port: ceilingPort, healthPath: '/'
  })
  cleanups.push(ceilingProcess.stop)
  // The ceiling scenario needs no user or secret; any placeholder builds its definition.
  const ceilingScenario = buildScenarios({ options, user: { email: '', password: '', accessToken: '' }, jwtSecret: 'unused' })
    .find((s) => s.target === 'ceiling')
  if (ceilingScenario === undefined) throw new Error('no ceiling scenario')
  const failures: string[] = []
  const ceiling = await measure(ceilingScenario, ceilingProcess.url, ceilingProcess.pid, options.duration, options.warmup)
  failures.push(...failuresOf(ceiling, 'ceiling'))
  await ceilingProcess.stop()

  const databases = [await sqliteDatabase(workDir)]
  if (options.postgresUrl !== undefined) databases.push(await postgresDatabase(options.postgresUrl, workDir))
  const runs: DatabaseRun[] = []
  for (const database of databases) runs.push(await benchDatabase(database, cli, workDir, options, failures))

  const report: BenchReport = { date: new Date().toISOString(), machine: describeMachine(), options, ceiling, runs, failures }
  console.log(toMarkdown(report))
  if (options.out !== undefined) {
    await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`)
    log(`\nWrote ${options.out}`)
  }
  return failures.length === 0 ? 0 : 1
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
