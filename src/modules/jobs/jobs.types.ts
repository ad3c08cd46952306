import type { FastifyBaseLogger } from 'fastify'
import type { JobRow } from '../../db/tables.js'
import type { PasswordResetEmailPayload } from './handlers/send-password-reset-email.js'
import type { WelcomeEmailPayload } from './handlers/send-welcome-email.js'

/**
 * The payload of each job type, as JSON. A new job type adds a line here and a handler
 * in handlers/; tests add their own types by declaration merging.
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
