import { describe, it, type TestContext } from 'node:test'
import { readCpuSeconds } from '../../bench/cpu.js'

describe('bench CPU time', () => {
  it('reads from /proc the CPU time the kernel reports to the process itself', { skip: process.platform !== 'linux' }, (t: TestContext) => {
    const seconds = ({ user, system }: NodeJS.CpuUsage) => (user + system) / 1e6
    // getrusage read on both sides of each /proc read: the process's other threads (the
    // collector, the compiler) may run between two reads, so /proc's figure lies between
    // the CPU of the inner window and that of the outer one.
    const outerStart = process.cpuUsage()
    const before = readCpuSeconds(process.pid)
    const innerStart = process.cpuUsage()
    // Busy until getrusage has seen 300 ms of CPU, however busy the machine is.
    while (seconds(process.cpuUsage(innerStart)) < 0.3);
    const inner = seconds(process.cpuUsage(innerStart))
    const after = readCpuSeconds(process.pid)
    const outer = seconds(process.cpuUsage(outerStart))
    t.assert.ok(before !== undefined && after !== undefined)
    // /proc counts user and system time apart, each in ticks of 10 ms: two either side.
    const fromProc = after - before
    t.assert.ok(fromProc >= inner - 0.02 - 1e-9 && fromProc <= outer + 0.02 + 1e-9,
      `${fromProc} s from /proc, ${inner}–${outer} s from getrusage`)
  })

  it('gives undefined for a process that does not exist', (t: TestContext) => {
    // Linux gives no process an id above 2^22 (the highest pid_max).
    t.assert.strictEqual(readCpuSeconds(2 ** 22 + 1), undefined)
  })
})
