import { escapeHtml, singleLine } from '../escape.js'
import { htmlLayout, type RenderedMail } from './layout.js'

/** The mail sent after sign-up. The name goes in the bodies only, never a header: escaped for HTML, on one line. */
export function welcomeMail ({ name }: { name: string }): RenderedMail {
  const subject = 'Welcome to Agora'
  const oneLineName = singleLine(name)
  const text = [
    `Hello ${oneLineName},`,
    '',
    'Welcome to Agora! Your account is ready, and you can sign in with your e-mail address and password.',
    '',
    'If you did not sign up, you can ignore this message.',
    '',
    '— The Agora team',
    ''
  ].join('\n')
  const html = htmlLayout(subject, [
    `<p>Hello ${escapeHtml(oneLineName)},</p>`,
    '<p>Welcome to Agora! Your account is ready, and you can sign in with your e-mail address and password.</p>',
    '<p>If you did not sign up, you can ignore this message.</p>'
  ].join('\n'))
  return { subject, text, html }
}
