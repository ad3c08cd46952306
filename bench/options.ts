import { parseArgs } from 'node:util'

export interface BenchOptions {
  /** Seconds each scenario is measured for. */
  duration: number
  /** Seconds of unmeasured load before each scenario: JIT, caches and pools warm up first. */
  warmup: number
  connections: number
  /** Login hashes with argon2id: a few connections already use a whole core. */
  loginConnections: number
  users: number
  products: number
  posts: number
  /** The word `GET /products?q=` looks for; `walnut` is in about one seeded product in twelve. */
  query: string
  /** Scenario names to run (all when empty); the ceiling always runs. */
  only: string[]
  /** Where to write the results as JSON, besides the table on stdout. */
  out: string | undefined
  /** Also run every scenario against this PostgreSQL database (in a throwaway schema). */
  postgresUrl: string | undefined
}

export const USAGE = `Usage: npm run bench -- [options]

  --duration S           seconds per scenario (BENCH_DURATION, default 10)
  --warmup S             unmeasured seconds before each scenario (BENCH_WARMUP, default 1)
  --connections N        concurrent connections (BENCH_CONNECTIONS, default 50)
  --login-connections N  connections for POST /login (BENCH_LOGIN_CONNECTIONS, default 4)
  --users N              seeded users (BENCH_USERS, default 10000)
  --products N           seeded products (BENCH_PRODUCTS, default 100000)
  --posts N              seeded posts (BENCH_POSTS, default 10000)
  --query WORD           word for the product search (BENCH_QUERY, default walnut)
  --only A,B             run only these scenarios (the ceiling always runs)
  --out FILE             also write the results as JSON to FILE
  BENCH_DATABASE_URL     postgres://… : run the scenarios on PostgreSQL too`

function positive (name: string, value: string): number {
  const number = Number(value)
  if (!/^\d+$/.test(value) || number < 1) throw new Error(`${name} must be a positive whole number, not "${value}"`)
  return number
}

/** Flags win over BENCH_* variables, which win over the defaults. */
export function parseOptions (argv: string[], env: Record<string, string | undefined>): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'login-connections': { type: 'string' },
      users: { type: 'string' },
      products: { type: 'string' },
      posts: { type: 'string' },
      query: { type: 'string' },
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
    warmup,
    connections: positive('--connections', pick('connections', 'BENCH_CONNECTIONS', '50')),
    loginConnections: positive('--login-connections', pick('login-connections', 'BENCH_LOGIN_CONNECTIONS', '4')),
    users: positive('--users', pick('users', 'BENCH_USERS', '10000')),
    products: positive('--products', pick('products', 'BENCH_PRODUCTS', '100000')),
    posts: positive('--posts', pick('posts', 'BENCH_POSTS', '10000')),
    query: pick('query', 'BENCH_QUERY', 'walnut'),
    only: values.only === undefined ? [] : values.only.split(',').map((name) => name.trim()).filter(Boolean),
    out: values.out,
    postgresUrl: env.BENCH_DATABASE_URL === '' ? undefined : env.BENCH_DATABASE_URL
  }
}
