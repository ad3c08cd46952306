import type { JobDeps, JobHandler, PasswordResetEmailPayload } from '../../jobs/jobs.types.js'
import { passwordResetMail } from '../../mail/templates/password-reset.js'
import { createPasswordResetToken } from '../auth/credentials.service.js'
import { findUserByEmail } from '../users/users.repository.js'

/**
 * Makes a reset token and mails it: made here, not by the request, so that the job's row
 * holds nothing usable. An address with no active account gets nothing.
 */
export function sendPasswordResetEmail ({ db, mailer }: JobDeps): JobHandler<PasswordResetEmailPayload> {
  return async function (payload, { signal, log }) {
    const user = await findUserByEmail(db, payload.email)
    if (user === undefined || user.is_active !== 1) {
      log.info('password reset mail skipped: no active account has that address')
      return
    }
    const token = await createPasswordResetToken(db, user.id, payload.valid_minutes)
    const mail = passwordResetMail({ name: user.name, token, validMinutes: payload.valid_minutes })
    await mailer.send({ to: user.email, ...mail }, signal)
  }
}
