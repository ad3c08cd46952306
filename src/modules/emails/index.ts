import type { JobDeps, JobHandlers } from '../../jobs/jobs.types.js'
import { sendPasswordResetEmail } from './send-password-reset-email.js'
import { sendWelcomeEmail } from './send-welcome-email.js'

/** Every job type Agora runs, with its handler: the mails, each sent by a background job. */
export function createHandlers (deps: JobDeps): JobHandlers {
  return {
    'send-welcome-email': sendWelcomeEmail(deps),
    'send-password-reset-email': sendPasswordResetEmail(deps)
  }
}
