import { escapeHtml, singleLine } from '../escape.js'
import { htmlLayout, type RenderedMail } from './layout.js'

export interface PasswordResetMailInput {
  name: string
  /** The single-use reset token the user sends to POST /auth/password-reset/confirm. */
  token: string
  validMinutes: number
}

/** The mail that carries a password reset token. The name goes in the bodies only. */
export function passwordResetMail ({ name, token, validMinutes }: PasswordResetMailInput): RenderedMail {
  const subject = 'Reset your Agora password'
  const oneLineName = singleLine(name)
  const text = [
    `Hello ${oneLineName},`,
    '',
    'Someone asked to reset the password of your Agora account. To choose a new one, use this code:',
    '',
    `    ${token}`,
    '',
    `It works once, within ${validMinutes} minutes.`,
    'If you did not ask for this, ignore this message: your password stays as it is.',
    '',
    '— The Agora team',
    ''
  ].join('\n')
  const html = htmlLayout(subject, [
    `<p>Hello ${escapeHtml(oneLineName)},</p>`,
    '<p>Someone asked to reset the password of your Agora account. To choose a new one, use this code:</p>',
    `<p style="font-family: monospace; font-size: 1.2em">${escapeHtml(token)}</p>`,
    `<p>It works once, within ${validMinutes} minutes.<br>`,
    'If you did not ask for this, ignore this message: your password stays as it is.</p>'
  ].join('\n'))
  return { subject, text, html }
}
