/** A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise (logs, pipes). */
export function createProgressBar (
  stream: NodeJS.WriteStream = process.stderr
): (label: string, done: number, total: number) => void {
  const WIDTH = 30
  let started = 0
  let lastDraw = 0
  let lastTenth = -1
  return (label, done, total) => {
    const now = Date.now()
    if (done === 0) { started = now; lastTenth = -1 }
    const ratio = total === 0 ? 1 : done / total
    const perSecond = Math.round(done / Math.max((now - started) / 1000, 0.001))
    const bar = '#'.repeat(Math.round(ratio * WIDTH)).padEnd(WIDTH, '-')
    const text = `${label.padEnd(8)} [${bar}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}/${total} ${perSecond} rows/s`
    if (stream.isTTY) {
      // Redrawing faster than the eye reads would cost more than the inserts.
      if (now - lastDraw < 100 && done < total) return
      lastDraw = now
      stream.write(`\r${text}${done >= total ? '\n' : ''}`)
    } else if (Math.floor(ratio * 10) > lastTenth) {
      lastTenth = Math.floor(ratio * 10)
      stream.write(`${text}\n`)
    }
  }
}
