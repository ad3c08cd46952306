import { describe, it, type TestContext } from 'node:test'
import { readCpuSeconds } from '../../bench/cpu.js'

describe('bench CPU time', () => {
  it('reads from /proc the CPU time the kernel reports to the process itself', { skip: process.platform !== 'linux' }, (t: TestContext) => {
    const before = readCpuSeconds(process.pid)
    const usageBefore = process.cpuUsage()
    // Busy until getrusage has seen 300 ms of CPU, however busy the machine is.
    let spent = 0
    while (spent < 0.3) {
      const usage = process.cpuUsage(usageBefore)
      spent = (usage.user + usage.system) / 1e6
    }
    const after = readCpuSeconds(process.pid)
    t.assert.ok(before !== undefined && after !== undefined)
    // /proc counts in ticks of 10 ms: allow two either side.
    t.assert.ok(Math.abs((after - before) - spent) <= 0.02 + 1e-9, `${after - before} s from /proc, ${spent} s from getrusage`)
  })

  it('gives undefined for a process that does not exist', (t: TestContext) => {
    // Linux gives no process an id above 2^22 (the highest pid_max).
    t.assert.strictEqual(readCpuSeconds(2 ** 22 + 1), undefined)
  })
})
