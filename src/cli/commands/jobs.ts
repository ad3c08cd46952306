import type { Command } from 'commander'
import { createDb } from '../../db/database.js'
import type { JobRow, JobStatus } from '../../db/tables.js'
import { countJobsByStatus, JOB_STATUSES, listJobs, retryJob } from '../../jobs/jobs.repository.js'
import { loadCliConfig } from '../config.js'

function positiveInteger (value: string, name: string): number {
  const number = Number(value)
  if (!Number.isSafeInteger(number) || number < 1) throw new Error(`${name} must be a positive integer, not "${value}"`)
  return number
}

function jobLine (job: JobRow): string {
  const error = job.last_error === null ? '' : `  ${job.last_error.replace(/\s+/g, ' ').slice(0, 120)}`
  return `${String(job.id).padStart(6)}  ${job.status.padEnd(7)}  ${job.type.padEnd(26)}  ${`${job.attempts}`.padStart(3)}  ${job.run_at}${error}`
}

async function withDb<T> (fn: (db: ReturnType<typeof createDb>) => Promise<T>): Promise<T> {
  const db = createDb(loadCliConfig())
  try {
    return await fn(db)
  } finally {
    await db.destroy()
  }
}

export function registerJobs (program: Command): void {
  const jobs = program.command('jobs').description('Inspect and retry background jobs')

  jobs.command('list')
    .description('Queue depth by status, then the newest jobs (with their last error)')
    .option('--status <status>', `only jobs in this status: ${JOB_STATUSES.join(', ')}`)
    .option('--limit <n>', 'how many jobs to show', '50')
    .action(async (options: { status?: string, limit: string }) => {
      const status = options.status as JobStatus | undefined
      if (status !== undefined && !JOB_STATUSES.includes(status)) {
        throw new Error(`Unknown status "${status}": use ${JOB_STATUSES.join(', ')}`)
      }
      const limit = positiveInteger(options.limit, '--limit')
      await withDb(async (db) => {
        const depth = await countJobsByStatus(db, JOB_STATUSES)
        console.log(JOB_STATUSES.map((s) => `${s}: ${depth[s]}`).join('  '))
        const rows = await listJobs(db, { status, limit })
        if (rows.length === 0) console.log('No jobs.')
        else console.log(`${'id'.padStart(6)}  ${'status'.padEnd(7)}  ${'type'.padEnd(26)}  try  run_at / last error`)
        for (const job of rows) console.log(jobLine(job))
      })
    })

  jobs.command('retry')
    .description('Queue a failed job again, due now, with its attempts reset')
    .argument('<id>', 'the job id')
    .action(async (value: string) => {
      const id = positiveInteger(value, 'ID')
      await withDb(async (db) => {
        const job = await retryJob(db, id)
        if (job === undefined) throw new Error(`Job ${id} does not exist or has not failed`)
        console.log(`Job ${id} (${job.type}) is queued again.`)
      })
    })
}
