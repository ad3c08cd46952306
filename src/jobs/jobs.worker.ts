import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyBaseLogger } from 'fastify'
import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import type { Database, JobRow } from '../db/tables.js'
import { claimJobs, completeJob, deleteFinishedJobs, failJob, releaseJobs } from './jobs.repository.js'
import type { JobHandler, JobHandlers } from './jobs.types.js'

export interface WorkerOptions {
  concurrency: number
  maxAttempts: number
  backoffBaseMs: number
  backoffMaxMs: number
  visibilityTimeoutMs: number
  pollIntervalMs: number
  shutdownDeadlineMs: number
  /** Done jobs older than this are deleted, by whichever process runs a worker. */
  retentionMs: number
}

export function workerOptions (config: Config): WorkerOptions {
  return {
    concurrency: config.JOBS_CONCURRENCY,
    maxAttempts: config.JOBS_MAX_ATTEMPTS,
    backoffBaseMs: config.JOBS_BACKOFF_BASE_MS,
    backoffMaxMs: config.JOBS_BACKOFF_MAX_MS,
    visibilityTimeoutMs: config.JOBS_VISIBILITY_TIMEOUT_MS,
    pollIntervalMs: config.JOBS_POLL_INTERVAL_MS,
    shutdownDeadlineMs: config.JOBS_SHUTDOWN_DEADLINE_MS,
    retentionMs: Math.round(config.JOBS_RETENTION_HOURS * 3_600_000)
  }
}

/** Exponential backoff with "equal jitter" (a random point in the upper half): jobs failed together return apart. */
export function backoffDelay (attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

const PRUNE_INTERVAL_MS = 3_600_000

function errorText (error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error)
  return text.slice(0, 2000)
}

function isPermanent (error: unknown): boolean {
  return (error as { permanent?: unknown } | null)?.permanent === true
}

function rejectOnAbort (signal: AbortSignal): Promise<never> {
  return new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

interface Running {
  controller: AbortController
  done: Promise<void>
  released: boolean
}

export interface Worker {
  /** Written to `locked_by` of the jobs this worker holds. */
  readonly id: string
  /** Starts polling; a second call does nothing. */
  start (): void
  /** Stops claiming, gives running jobs the shutdown deadline, then aborts and releases the rest to the queue. */
  stop (): Promise<void>
  readonly activeJobs: number
}

/**
 * Runs due jobs, `concurrency` at a time. A job gets 90 % of the visibility timeout, so its lease
 * outlives it; if the process dies, the lease runs out and another worker takes the job again.
 */
export function createWorker (
  db: Kysely<Database>, handlers: JobHandlers, options: WorkerOptions, log: FastifyBaseLogger
): Worker {
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  const types = Object.keys(handlers)
  const running = new Map<number, Running>()
  const timeLimitMs = Math.max(1, Math.floor(options.visibilityTimeoutMs * 0.9))
  let state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle'
  let loop: Promise<void> | undefined
  let stopping: Promise<void> | undefined
  let pruning: NodeJS.Timeout | undefined
  // A wake-up while the loop is busy (a job ended during a claim) is kept, so a freed slot is filled at once.
  let woken = false
  let wakeUp: (() => void) | undefined

  function wake (): void {
    woken = true
    wakeUp?.()
  }

  async function pause (ms: number): Promise<void> {
    if (!woken) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms)
        wakeUp = () => { clearTimeout(timer); resolve() }
      })
      wakeUp = undefined
    }
    woken = false
  }

  async function settle (job: JobRow, error: unknown): Promise<void> {
    const maxAttempts = job.max_attempts ?? options.maxAttempts
    const retry = !isPermanent(error) && job.attempts < maxAttempts
    const delay = retry ? backoffDelay(job.attempts, options.backoffBaseMs, options.backoffMaxMs) : null
    const held = await failJob(db, job, id, errorText(error), delay)
    const fields = { job_id: job.id, type: job.type, attempt: job.attempts, err: error }
    if (!held) log.warn(fields, 'job failed after its lease was lost')
    else if (delay === null) log.error(fields, 'job failed for good')
    else log.warn({ ...fields, retry_in_ms: delay }, 'job failed; will retry')
  }

  async function run (job: JobRow, entry: Running): Promise<void> {
    const jobLog = log.child({ job_id: job.id, job_type: job.type })
    const timer = setTimeout(() => entry.controller.abort(new Error(`Timed out after ${timeLimitMs} ms`)), timeLimitMs)
    try {
      const maxAttempts = job.max_attempts ?? options.maxAttempts
      // A worker died with this job (maybe because of it) until no attempt was left.
      if (job.attempts > maxAttempts) throw Object.assign(new Error(`Gave up after ${maxAttempts} attempts`), { permanent: true })
      const handler = handlers[job.type as keyof JobHandlers] as JobHandler<unknown>
      const work = handler(JSON.parse(job.payload), { job, signal: entry.controller.signal, log: jobLog })
      // A handler that ignores the signal still frees its slot when time is up.
      await Promise.race([work, rejectOnAbort(entry.controller.signal)])
      if (entry.released) return
      if (await completeJob(db, job, id)) jobLog.info({ attempt: job.attempts }, 'job done')
      else jobLog.warn('job finished after its lease was lost')
    } catch (error) {
      if (!entry.released) await settle(job, error)
    } finally {
      clearTimeout(timer)
    }
  }

  function launch (job: JobRow): void {
    const entry: Running = { controller: new AbortController(), done: Promise.resolve(), released: false }
    entry.done = run(job, entry)
      .catch((error: unknown) => log.error({ err: error, job_id: job.id }, 'could not record the outcome of a job'))
      .finally(() => {
        running.delete(job.id)
        wake()
      })
    running.set(job.id, entry)
  }

  function isPolling (): boolean {
    return state === 'running'
  }

  async function poll (): Promise<void> {
    // `state` changes under the loop, in stop().
    while (isPolling()) {
      const free = options.concurrency - running.size
      let claimed = 0
      if (free > 0) {
        try {
          const jobs = await claimJobs(db, { workerId: id, limit: free, leaseMs: options.visibilityTimeoutMs, types })
          for (const job of jobs) launch(job)
          claimed = jobs.length
        } catch (error) {
          log.error({ err: error }, 'could not claim jobs')
        }
      }
      // A full batch suggests more are due: look again at once.
      if (free === 0 || claimed < free) await pause(options.pollIntervalMs)
    }
  }

  function prune (): void {
    deleteFinishedJobs(db, options.retentionMs)
      .then((deleted) => { if (deleted > 0) log.info({ deleted }, 'old done jobs deleted') })
      .catch((error: unknown) => log.warn({ err: error }, 'could not delete old done jobs'))
  }

  async function shutDown (): Promise<void> {
    state = 'stopping'
    clearInterval(pruning)
    wake()
    await loop
    if (running.size > 0) {
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, options.shutdownDeadlineMs) })
      await Promise.race([Promise.all([...running.values()].map(async (r) => await r.done)), deadline])
      clearTimeout(timer)
    }
    if (running.size > 0) {
      const ids = [...running.keys()]
      for (const entry of running.values()) {
        entry.released = true
        entry.controller.abort(new Error('The worker is shutting down'))
      }
      try {
        const released = await releaseJobs(db, ids, id)
        log.warn({ job_ids: ids, released }, 'shutdown deadline passed; unfinished jobs released')
      } catch (error) {
        // Not fatal: their leases run out and another worker takes them.
        log.error({ err: error, job_ids: ids }, 'could not release unfinished jobs')
      }
    }
    state = 'stopped'
    log.info({ worker: id }, 'job worker stopped')
  }

  return {
    id,
    start () {
      if (state !== 'idle') return
      state = 'running'
      log.info({ worker: id, types, concurrency: options.concurrency }, 'job worker started')
      loop = poll()
      prune()
      pruning = setInterval(prune, PRUNE_INTERVAL_MS).unref()
    },
    async stop () {
      if (state === 'idle') state = 'stopped'
      if (state === 'running') stopping = shutDown()
      await stopping
    },
    get activeJobs () { return running.size }
  }
}
