import { describe, it, type TestContext } from 'node:test'
import { bestPass, type Measurement } from '../../bench/load.js'
import { parseOptions } from '../../bench/options.js'
import { addsRows } from '../../bench/scenarios.js'

function pass (requestsPerSecond: number, latencyP99Ms: number, peakRssBytes: number | undefined): Measurement {
  return {
    name: 'root',
    title: 'GET /',
    target: 'agora',
    connections: 50,
    requests: requestsPerSecond * 10,
    durationSeconds: 10,
    latencyP50Ms: latencyP99Ms / 2,
    latencyP99Ms,
    non2xx: 0,
    statusCodes: {},
    errors: 0,
    timeouts: 0,
    requestsPerSecond,
    passes: [requestsPerSecond],
    peakRssBytes,
    cpuMicrosPerRequest: 1e6 / requestsPerSecond
  }
}

describe('bench passes', () => {
  it('keeps the figures of the pass with the most req/s, every pass\'s req/s and the highest RSS', (t: TestContext) => {
    const best = bestPass([pass(9000, 12, 120 * 2 ** 20), pass(20000, 5, 110 * 2 ** 20), pass(15000, 7, undefined)])
    t.assert.strictEqual(best.requestsPerSecond, 20000)
    t.assert.strictEqual(best.latencyP99Ms, 5)
    t.assert.deepStrictEqual(best.passes, [9000, 20000, 15000])
    t.assert.strictEqual(best.peakRssBytes, 120 * 2 ** 20)
    t.assert.strictEqual(best.cpuMicrosPerRequest, 50)
  })

  it('runs two passes unless told otherwise, and refuses a count that is not a positive whole number', (t: TestContext) => {
    const passes = (argv: string[], env: Record<string, string>) => {
      const options = parseOptions(argv, env)
      return options === 'help' ? undefined : options.passes
    }
    t.assert.strictEqual(passes([], {}), 2)
    t.assert.strictEqual(passes([], { BENCH_PASSES: '1' }), 1)
    t.assert.strictEqual(passes(['--passes', '3'], { BENCH_PASSES: '1' }), 3)
    t.assert.throws(() => parseOptions(['--passes', '0'], {}), /--passes must be a positive whole number/)
  })

  it('counts a POST and a scenario with sign-ups as adding rows, a plain read not', (t: TestContext) => {
    const read = { name: 'product', title: 'GET', target: 'agora', method: 'GET', path: '/', connections: 50 } as const
    t.assert.strictEqual(addsRows(read), false)
    t.assert.strictEqual(addsRows({ ...read, method: 'POST' }), true)
    t.assert.strictEqual(addsRows({ ...read, signups: 20 }), true)
  })
})
