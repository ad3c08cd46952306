import type { FastifyBaseLogger } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database, JobRow } from '../db/tables.js'
import type { Mailer } from '../mail/mailer.js'

export interface WelcomeEmailPayload {
  user_id: number
}

export interface PasswordResetEmailPayload {
  /** As the client sent it, lower-cased; it may belong to no account. */
  email: string
  /** PASSWORD_RESET_EXPIRE_MINUTES when the reset was asked for. */
  valid_minutes: number
}

/**
 * The payload of each job type, as stored in the `jobs` table. A new job type adds a
 * line here and a handler to a feature (modules/emails/ for the mails); tests add their
 * own types by declaration merging.
 */
export interface JobPayloads {
  'send-welcome-email': WelcomeEmailPayload
  'send-password-reset-email': PasswordResetEmailPayload
}

export type JobType = keyof JobPayloads

export interface JobContext {
  job: JobRow
  /** Aborted when the attempt runs out of time or the worker shuts down past its deadline. */
  signal: AbortSignal
  log: FastifyBaseLogger
}

/**
 * Does one job. Throwing records a failed attempt, retried with backoff unless the error
 * carries `permanent: true` (as a rejected mail does), which fails the job at once.
 */
export type JobHandler<P> = (payload: P, context: JobContext) => Promise<void>

export type JobHandlers = { [T in JobType]?: JobHandler<JobPayloads[T]> }

/** What handlers work with. */
export interface JobDeps {
  db: Kysely<Database>
  mailer: Mailer
}
