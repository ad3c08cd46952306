import type { JobHandlers } from '../jobs.types.js'
import type { MailJobDeps } from './deps.js'
import { sendPasswordResetEmail } from './send-password-reset-email.js'
import { sendWelcomeEmail } from './send-welcome-email.js'

/** Every job type Agora runs, with its handler. */
export function createHandlers (deps: MailJobDeps): JobHandlers {
  return {
    'send-welcome-email': sendWelcomeEmail(deps),
    'send-password-reset-email': sendPasswordResetEmail(deps)
  }
}
