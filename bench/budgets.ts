import { rpsOf, type Measurement } from './load.js'

/** One server's run on one database: its scenarios and what the whole run cost it. */
export interface DatabaseRun {
  database: string
  /** From spawning `agora serve` (database migrated) to its first 200 on /ready. */
  startupMs: number
  idleRssBytes: number | undefined
  peakRssBytes: number | undefined
  measurements: Measurement[]
}

export interface BudgetResult {
  budget: string
  target: string
  /** The figure on SQLite, which the budget is judged on; `not run` when the scenario was left out. */
  measured: string
  ok: boolean | undefined
  /** The same figure on PostgreSQL, for reference, when it ran. */
  postgres?: string
}

interface Figures {
  run: DatabaseRun
  ceiling: number
  floorUser: number | undefined
}

interface Rule {
  budget: string
  target: string
  /** The figure and whether it meets the target; undefined when a scenario is missing. */
  judge (figures: Figures): { text: string, ok: boolean } | undefined
}

const rps = (run: DatabaseRun, name: string): number | undefined => rpsOf(run.measurements, name)
const percent = (value: number): string => `${value.toFixed(1)} %`

function share (budget: string, name: string, minimum: number): Rule {
  return {
    budget,
    target: `≥ ${minimum} % of ceiling`,
    judge ({ run, ceiling }) {
      const value = rps(run, name)
      if (value === undefined) return undefined
      return { text: percent((value / ceiling) * 100), ok: (value / ceiling) * 100 >= minimum }
    }
  }
}

function p99 (budget: string, name: string, maximumMs: number): Rule {
  return {
    budget,
    target: `p99 < ${maximumMs} ms`,
    judge ({ run }) {
      const m = run.measurements.find((m) => m.name === name)
      if (m === undefined) return undefined
      // wrk leaves requests that timed out (2 s) out of its percentiles: they decide alone.
      if (m.timeouts > 0 || m.requests === 0) return { text: `${m.timeouts} timeouts`, ok: false }
      return { text: `${m.latencyP99Ms.toFixed(1)} ms`, ok: m.latencyP99Ms < maximumMs }
    }
  }
}

function ratio (
  budget: string, target: string, name: string, of: (figures: Figures) => number | undefined, minimum: number
): Rule {
  return {
    budget,
    target,
    judge (figures) {
      const value = rps(figures.run, name)
      const base = of(figures)
      if (value === undefined || base === undefined) return undefined
      return { text: percent((value / base) * 100), ok: value / base >= minimum }
    }
  }
}

const FRONT_PAGE = [
  ['products-in-stock', '`in_stock=true&sort=-created_at`'],
  ['products-tag-price', '`tag=furniture&sort=price`'],
  ['products-tag-name', '`tag=furniture&sort=name`'],
  ['products-tag-in-stock', '`tag=furniture&in_stock=true&sort=-created_at`'],
  ['products-price-range', '`min_price=20&max_price=100&sort=price`'],
  ['products-search-sorted', '`q=…&sort=-price`']
] as const

// Issue 8's budgets, in its order.
const RULES: Rule[] = [
  share('`GET /`', 'root', 50),
  share('`GET /api/v1/users/{id}` (Bearer)', 'user', 30),
  ratio('`GET /api/v1/users/{id}` vs the minimal read', '≥ 80 % of the floor', 'user', (f) => f.floorUser, 0.8),
  share('`GET /api/v1/products/{id}`', 'product', 30),
  share('`GET /api/v1/products?page=1&page_size=10`', 'products-page', 20),
  share('filtered sorted page (`tag`, price range, `sort=-price`, page 3)', 'products-filtered', 10),
  ...FRONT_PAGE.map(([name, query]) => share(`front-page list ${query}`, name, 10)),
  p99('`q` search, 10 connections', 'products-search', 20),
  ratio('v2 page 90 % deep vs first page', '≥ 80 % of first page', 'v2-deep', (f) => rps(f.run, 'v2-first'), 0.8),
  share('`POST /api/v1/products` (Bearer), 10 connections', 'product-create', 10),
  p99('`GET /api/v1/products/{id}` during 20 sign-ups', 'product-signups', 50),
  {
    budget: 'peak RSS of the server over the run',
    target: '< 250 MiB',
    judge: ({ run }) => run.peakRssBytes === undefined ? undefined : { text: `${(run.peakRssBytes / 2 ** 20).toFixed(0)} MiB`, ok: run.peakRssBytes < 250 * 2 ** 20 }
  },
  { budget: 'cold start to a 200 on `/ready`', target: '< 1 s', judge: ({ run }) => ({ text: `${Math.round(run.startupMs)} ms`, ok: run.startupMs < 1000 }) }
]

// The budget that issue 8 also sets on PostgreSQL.
const POSTGRES_RULES: Rule[] = [share('`POST /api/v1/products` (Bearer), 10 connections, on PostgreSQL', 'product-create', 10)]

const mark = (ok: boolean): string => ok ? 'ok' : 'MISS'

/** Every budget with its SQLite figure and ok/MISS, the PostgreSQL figure beside it. */
export function judgeBudgets (runs: DatabaseRun[], ceiling: number, floorUser: number | undefined): BudgetResult[] {
  const sqlite = runs.find((run) => run.database === 'sqlite')
  const postgres = runs.find((run) => run.database === 'postgres')
  const results: BudgetResult[] = []
  for (const rule of RULES) {
    const verdict = sqlite === undefined ? undefined : rule.judge({ run: sqlite, ceiling, floorUser })
    const result: BudgetResult = { budget: rule.budget, target: rule.target, measured: verdict?.text ?? 'not run', ok: verdict?.ok }
    if (postgres !== undefined) {
      const other = rule.judge({ run: postgres, ceiling, floorUser: undefined })
      result.postgres = other === undefined ? '—' : `${other.text} (${mark(other.ok)})`
    }
    results.push(result)
  }
  for (const rule of POSTGRES_RULES) {
    if (postgres === undefined) break
    const verdict = rule.judge({ run: postgres, ceiling, floorUser: undefined })
    results.push({ budget: rule.budget, target: rule.target, measured: verdict?.text ?? 'not run', ok: verdict?.ok })
  }
  return results
}

export function budgetMark (result: BudgetResult): string {
  return result.ok === undefined ? '—' : mark(result.ok)
}
