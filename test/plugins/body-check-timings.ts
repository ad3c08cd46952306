import { fileURLToPath } from 'node:url'
import { findHostileValue, MAX_DEPTH } from '../../src/plugins/input-safety.js'
import { readJsonText } from '../../src/plugins/strict-json.js'

// Times the body check on 1 MiB bodies of every shape and prints the figures as JSON.
// input-safety.test.ts runs this in a child process without coverage: V8's block counters
// would otherwise triple the cost of the byte loops, and the budget is for the real code.

/** About 1 MiB of JSON in each shape a body can take, none of it hostile. */
export const ONE_MIB_BODIES: Record<string, string> = {
  'numbers in an array': `{"refresh_token":"x","x":[${'1,'.repeat(499_999)}1]}`,
  'strings in an array': `{"x":[${'"ab",'.repeat(199_999)}"ab"]}`,
  'objects in an array': `{"x":[${'{},'.repeat(339_999)}{}]}`,
  'arrays in an array': `{"x":[${'[],'.repeat(339_999)}[]]}`,
  'one long string': `{"x":"${'é'.repeat(500_000)}"}`,
  'many keys': `{${Array.from({ length: 90_000 }, (_, i) => `"k${i}":1`).join(',')}}`,
  'nested to the limit': `{"x":${'['.repeat(MAX_DEPTH - 1)}${'1,'.repeat(500_000)}1${']'.repeat(MAX_DEPTH - 1)}}`
}

/** The shapes whose parsed value is worth walking: many values, some deep. */
export const ARRAY_HEAVY = ['numbers in an array', 'strings in an array', 'objects in an array', 'arrays in an array', 'nested to the limit']

/**
 * The best of `runs` timings of `fn`, in ms: the cost of the work itself, not of a busy
 * machine. Each run counts the lesser of its wall-clock and CPU time, since colleagues'
 * processes can take the CPU away for as long as they like.
 */
export function bestOf (runs: number, fn: () => unknown): number {
  let best = Infinity
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    const cpu = process.cpuUsage()
    fn()
    const { user, system } = process.cpuUsage(cpu)
    best = Math.min(best, performance.now() - started, (user + system) / 1000)
  }
  return best
}

export interface BodyCheckTimings {
  /** Reading the bytes (nesting, UTF-8, hostile-value screen), per shape, in ms. */
  read: Record<string, number>
  /** Walking the parsed value for hostile values, per array-heavy shape, in ms. */
  walk: Record<string, number>
  /** `JSON.parse` of the same text, per shape, in ms: what any JSON body costs, on this machine, now. */
  parse: Record<string, number>
}

function timeBodyCheck (): BodyCheckTimings {
  const timings: BodyCheckTimings = { read: {}, walk: {}, parse: {} }
  for (const [shape, text] of Object.entries(ONE_MIB_BODIES)) {
    const bytes = Buffer.from(text)
    timings.read[shape] = bestOf(5, () => readJsonText(bytes, 'application/json; charset=utf-8'))
    timings.parse[shape] = bestOf(5, () => JSON.parse(text))
  }
  for (const shape of ARRAY_HEAVY) {
    const value = JSON.parse(ONE_MIB_BODIES[shape]!)
    timings.walk[shape] = bestOf(5, () => findHostileValue(value, 'body'))
  }
  return timings
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(JSON.stringify(timeBodyCheck()))
