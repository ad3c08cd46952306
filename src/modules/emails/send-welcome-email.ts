import type { JobDeps, JobHandler, WelcomeEmailPayload } from '../../jobs/jobs.types.js'
import { welcomeMail } from '../../mail/templates/welcome.js'
import { findUserById } from '../users/users.repository.js'

/**
 * Mails the welcome message to a user who signed up. The user is read when the job runs,
 * so the mail carries their current name, and a user who has left gets nothing.
 */
export function sendWelcomeEmail ({ db, mailer }: JobDeps): JobHandler<WelcomeEmailPayload> {
  return async function (payload, { signal, log }) {
    const user = await findUserById(db, payload.user_id)
    if (user === undefined) {
      log.info({ user_id: payload.user_id }, 'welcome mail skipped: the user is gone')
      return
    }
    await mailer.send({ to: user.email, ...welcomeMail({ name: user.name }) }, signal)
  }
}
