/**
 * Work held until the event loop has served the I/O of its current poll (`setImmediate`), so that
 * what that I/O asked for runs together. The turns so ended are counted: work that began before the
 * last of them knows it was released by one, as the answers of a group of reads are (`answers-together`).
 */
let turnsEnded = 0

export function atTurnEnd (task: () => void): void {
  setImmediate(() => {
    turnsEnded++
    task()
  })
}

/** How many tasks of `atTurnEnd` have begun. */
export function endedTurns (): number {
  return turnsEnded
}
