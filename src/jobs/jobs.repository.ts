import type { ExpressionBuilder, Kysely } from 'kysely'
import { forUpdateSkipLocked, nowPlus } from '../db/dialect-sql.js'
import type { Database, JobRow, JobStatus } from '../db/tables.js'
import type { JobPayloads, JobType } from './jobs.types.js'

type Db = Kysely<Database>

export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'done', 'failed']

/** The statuses that make up the queue's depth (done jobs only pile up). */
export const QUEUE_STATUSES = ['queued', 'running', 'failed'] as const satisfies readonly JobStatus[]

/** The attempt of a job that a worker holds: its lease is checked before every change. */
export type HeldJob = Pick<JobRow, 'id' | 'attempts'>

export interface EnqueueOptions {
  delayMs?: number
  /** Overrides the worker's JOBS_MAX_ATTEMPTS for this job. */
  maxAttempts?: number
}

/** Queues a job. Pass the transaction of the change that causes it, so the job commits or rolls back with it. */
export async function enqueueJob<T extends JobType> (
  db: Db, type: T, payload: JobPayloads[T], options: EnqueueOptions = {}
): Promise<JobRow> {
  return await db.insertInto('jobs')
    .values({
      type,
      payload: JSON.stringify(payload),
      max_attempts: options.maxAttempts ?? null,
      ...(options.delayMs === undefined ? {} : { run_at: nowPlus(db, options.delayMs) })
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export interface ClaimOptions {
  workerId: string
  limit: number
  leaseMs: number
  /** Only jobs this worker has handlers for. */
  types: readonly string[]
}

/**
 * Leases up to `limit` due jobs (queued and due, or running past their lease) in one statement. On
 * PostgreSQL the inner select skips rows other claimers locked, so two workers never take one job.
 */
export async function claimJobs (db: Db, { workerId, limit, leaseMs, types }: ClaimOptions): Promise<JobRow[]> {
  if (limit < 1 || types.length === 0) return []
  const now = nowPlus(db)
  const due = forUpdateSkipLocked(db, db.selectFrom('jobs')
    .select('id')
    .where('type', 'in', types)
    .where((eb) => eb.or([
      eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', now)]),
      eb.and([eb('status', '=', 'running'), eb('locked_until', '<=', now)])
    ]))
    .orderBy('run_at')
    .orderBy('id')
    .limit(limit))
  const rows = await db.updateTable('jobs')
    .set((eb) => ({
      status: 'running',
      attempts: eb('attempts', '+', 1),
      locked_by: workerId,
      locked_until: nowPlus(db, leaseMs),
      updated_at: now
    }))
    .where('id', 'in', due)
    .returningAll()
    .execute()
  return rows.sort((a, b) => a.id - b.id)
}

// A worker whose lease expired (and whose job another worker took) must change nothing.
function heldBy (eb: ExpressionBuilder<Database, 'jobs'>, job: HeldJob, workerId: string) {
  return eb.and({ id: job.id, status: 'running', locked_by: workerId, attempts: job.attempts })
}

/** Marks a job done. False when `workerId` no longer held it. */
export async function completeJob (db: Db, job: HeldJob, workerId: string): Promise<boolean> {
  const now = nowPlus(db)
  const result = await db.updateTable('jobs')
    .set({ status: 'done', locked_by: null, locked_until: null, finished_at: now, updated_at: now })
    .where((eb) => heldBy(eb, job, workerId))
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Records a failed attempt: queued again in `retryInMs`, or failed for good when null. False if no longer held. */
export async function failJob (
  db: Db, job: HeldJob, workerId: string, error: string, retryInMs: number | null
): Promise<boolean> {
  const now = nowPlus(db)
  const next = retryInMs === null
    ? { status: 'failed' as const, finished_at: now }
    : { status: 'queued' as const, run_at: nowPlus(db, retryInMs) }
  const result = await db.updateTable('jobs')
    .set({ ...next, last_error: error, locked_by: null, locked_until: null, updated_at: now })
    .where((eb) => heldBy(eb, job, workerId))
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Requeues jobs `workerId` holds, due now, without spending an attempt: the worker stops, the jobs did not fail. */
export async function releaseJobs (db: Db, ids: readonly number[], workerId: string): Promise<number> {
  if (ids.length === 0) return 0
  const now = nowPlus(db)
  const result = await db.updateTable('jobs')
    .set((eb) => ({ status: 'queued', attempts: eb('attempts', '-', 1), run_at: now, locked_by: null, locked_until: null, updated_at: now }))
    .where('id', 'in', ids)
    .where('status', '=', 'running')
    .where('locked_by', '=', workerId)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

export async function findJobById (db: Db, id: number): Promise<JobRow | undefined> {
  return await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The newest jobs first. */
export async function listJobs (db: Db, { status, limit }: { status?: JobStatus, limit: number }): Promise<JobRow[]> {
  let query = db.selectFrom('jobs').selectAll()
  if (status !== undefined) query = query.where('status', '=', status)
  return await query.orderBy('id', 'desc').limit(limit).execute()
}

/** Queues a failed job again, due now, with its attempts reset. Undefined unless it was failed. */
export async function retryJob (db: Db, id: number): Promise<JobRow | undefined> {
  const now = nowPlus(db)
  return await db.updateTable('jobs')
    .set({ status: 'queued', attempts: 0, run_at: now, finished_at: null, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .returningAll()
    .executeTakeFirst()
}

/** How many jobs are in each of `statuses` (zero included). */
export async function countJobsByStatus<S extends JobStatus> (
  db: Db, statuses: readonly S[]
): Promise<Record<S, number>> {
  const rows = await db.selectFrom('jobs')
    .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
    .where('status', 'in', statuses)
    .groupBy('status')
    .execute()
  const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<S, number>
  for (const row of rows) counts[row.status as S] = Number(row.count)
  return counts
}

export async function deleteFinishedJobs (db: Db, olderThanMs: number): Promise<number> {
  const result = await db.deleteFrom('jobs')
    .where('status', '=', 'done')
    .where('finished_at', '<', nowPlus(db, -olderThanMs))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
