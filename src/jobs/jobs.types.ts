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

/** Each job type's stored payload. A new type adds a line here and a handler to a feature; tests merge in their own. */
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

/** Does one job. A throw is a failed attempt, retried with backoff unless the error has `permanent: true`. */
export type JobHandler<P> = (payload: P, context: JobContext) => Promise<void>

export type JobHandlers = { [T in JobType]?: JobHandler<JobPayloads[T]> }

export interface JobDeps {
  db: Kysely<Database>
  mailer: Mailer
}
