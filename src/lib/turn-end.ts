/**
 * The end of a turn of the event loop: once it has served the I/O of its current poll
 * (`setImmediate`), so that what that I/O asked for runs together.
 */

// Resolved by an immediate queued behind every task of `atTurnEnd` queued so far.
let afterTasks: Promise<void> | undefined

function afterWhatIsQueued (): Promise<void> {
  const promise: Promise<void> = new Promise((resolve) => {
    setImmediate(() => {
      if (afterTasks === promise) afterTasks = undefined
      resolve()
    })
  })
  return promise
}

/** Runs `task` at the end of this turn, before what waits for `turnEnd()`. */
export function atTurnEnd (task: () => void): void {
  setImmediate(task)
  // Queued now, behind the task: what the task releases (its promises' continuations) still ends with this turn.
  afterTasks = afterWhatIsQueued()
}

/** Resolves once this turn's tasks, and what they released, are done. */
export function turnEnd (): Promise<void> {
  afterTasks ??= afterWhatIsQueued()
  return afterTasks
}
