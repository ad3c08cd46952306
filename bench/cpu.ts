import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

// /proc counts CPU time in clock ticks; 100 a second on Linux wherever getconf is missing.
function ticksPerSecond (): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100
  } catch {
    return 100
  }
}

let ticks: number | undefined

/** The CPU time a process has used so far, every thread of it, in seconds; undefined without /proc (macOS). */
export function readCpuSeconds (pid: number): number | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The process's name comes second, in parentheses, and may hold spaces: count the fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const [userTicks, systemTicks] = [Number(fields[11]), Number(fields[12])]
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return undefined
  ticks ??= ticksPerSecond()
  return (userTicks + systemTicks) / ticks
}
