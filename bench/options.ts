import { parseArgs } from 'node:util'

export type Generator = 'wrk' | 'autocannon'

export interface BenchOptions {
  /** Seconds each scenario is measured for. */
  duration: number
  /** Times each scenario is measured; the best pass counts. */
  passes: number
  /** Seconds of unmeasured load before each scenario: JIT, caches and pools warm up first. */
  warmup: number
  /** Connections of every scenario but the few that issue 8 sets apart. */
  connections: number
  users: number
  products: number
  posts: number
  /** The word `GET /products?q=` looks for; the seed puts `walnut` in many products. */
  query: string
  /** wrk when it is installed, else autocannon; set to force one. */
  generator: Generator | undefined
  /** Scenario names to run (all when empty); the ceiling always runs. */
  only: string[]
  out: string | undefined
  /** Also run every scenario against this PostgreSQL database (in a throwaway schema). */
  postgresUrl: string | undefined
}

export const USAGE = `Usage: npm run bench -- [options]

  --duration S           seconds per scenario (BENCH_DURATION, default 10)
  --passes N             measurements of each scenario, taking turns; the best counts (BENCH_PASSES, default 2)
  --warmup S             unmeasured seconds before each scenario (BENCH_WARMUP, default 1)
  --connections N        connections of the 50-connection scenarios (BENCH_CONNECTIONS, default 50)
  --users N              seeded users (BENCH_USERS, default 2000)
  --products N           seeded products (BENCH_PRODUCTS, default 100000)
  --posts N              seeded posts (BENCH_POSTS, default 2000)
  --query WORD           word for the product search (BENCH_QUERY, default walnut)
  --generator NAME       wrk or autocannon (BENCH_GENERATOR; default wrk when installed)
  --only A,B             run only these scenarios (the ceiling always runs)
  --out FILE             also write the results as JSON to FILE
  BENCH_DATABASE_URL     postgres://… : run the scenarios on PostgreSQL too`

function positive (name: string, value: string): number {
  const number = Number(value)
  if (!/^\d+$/.test(value) || number < 1) throw new Error(`${name} must be a positive whole number, not "${value}"`)
  return number
}

function generator (value: string | undefined): Generator | undefined {
  if (value === undefined || value === '') return undefined
  if (value === 'wrk' || value === 'autocannon') return value
  throw new Error(`--generator must be wrk or autocannon, not "${value}"`)
}

/** Flags win over BENCH_* variables, which win over the defaults. */
export function parseOptions (argv: string[], env: Record<string, string | undefined>): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      passes: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      users: { type: 'string' },
      products: { type: 'string' },
      posts: { type: 'string' },
      query: { type: 'string' },
      generator: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help === true) return 'help'
  const pick = (flag: keyof typeof values, variable: string, fallback: string): string =>
    String(values[flag] ?? env[variable] ?? fallback)
  const warmup = Number(pick('warmup', 'BENCH_WARMUP', '1'))
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`--warmup must be a whole number of seconds, not "${String(warmup)}"`)
  return {
    duration: positive('--duration', pick('duration', 'BENCH_DURATION', '10')),
    passes: positive('--passes', pick('passes', 'BENCH_PASSES', '2')),
    warmup,
    connections: positive('--connections', pick('connections', 'BENCH_CONNECTIONS', '50')),
    users: positive('--users', pick('users', 'BENCH_USERS', '2000')),
    products: positive('--products', pick('products', 'BENCH_PRODUCTS', '100000')),
    posts: positive('--posts', pick('posts', 'BENCH_POSTS', '2000')),
    query: pick('query', 'BENCH_QUERY', 'walnut'),
    generator: generator(values.generator ?? env.BENCH_GENERATOR),
    only: values.only === undefined ? [] : values.only.split(',').map((name) => name.trim()).filter(Boolean),
    out: values.out,
    postgresUrl: env.BENCH_DATABASE_URL === '' ? undefined : env.BENCH_DATABASE_URL
  }
}
