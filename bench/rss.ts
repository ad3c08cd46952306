import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Resident memory of a process in bytes: /proc on Linux, `ps` elsewhere. */
export function readRss (pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    if (match?.[1] !== undefined) return Number(match[1]) * 1024
  } catch {
    // No /proc (macOS): ask ps, which is slower but fine at our sampling rate.
  }
  try {
    const kilobytes = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim())
    return Number.isFinite(kilobytes) && kilobytes > 0 ? kilobytes * 1024 : undefined
  } catch {
    return undefined
  }
}

/** The peak RSS until stopped, sampled: the kernel's VmHWM covers the process's whole life, not one scenario. */
export function sampleRss (pid: number, intervalMs = 50): { stop (): number | undefined } {
  let peak: number | undefined
  const sample = (): void => {
    const rss = readRss(pid)
    if (rss !== undefined && (peak === undefined || rss > peak)) peak = rss
  }
  sample()
  const timer = setInterval(sample, intervalMs)
  return {
    stop () {
      clearInterval(timer)
      sample()
      return peak
    }
  }
}
