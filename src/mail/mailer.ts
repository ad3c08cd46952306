import type { FastifyBaseLogger } from 'fastify'
import type { Transporter } from 'nodemailer'
import type { EnvConfig } from '../config.js'
import { singleLine } from './escape.js'

export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
}

export interface Mailer {
  /** `smtp` when SMTP_URL is set, else `log`. */
  readonly transport: 'smtp' | 'log'
  send (message: MailMessage, signal?: AbortSignal): Promise<void>
  close (): void
}

/** A mail not sent; `permanent` when the server refused the message itself (5xx): a resend would fail too. */
export class MailError extends Error {
  override name = 'MailError'
  readonly permanent: boolean

  constructor (message: string, permanent: boolean, options?: ErrorOptions) {
    super(message, options)
    this.permanent = permanent
  }
}

function toMailError (error: unknown): MailError {
  const { code, permanent } = (error ?? {}) as { code?: unknown, permanent?: unknown }
  // A refused login is a configuration problem, not a bad message: retried until fixed.
  const refused = permanent === true && (code === 'EENVELOPE' || code === 'EMESSAGE')
  return new MailError(error instanceof Error ? error.message : String(error), refused, { cause: error })
}

// One bare address: no display name, list, group or whitespace that a parser could split.
const PLAIN_ADDRESS = /^[^\s@,;:<>"()[\]\\]+@[^\s@,;:<>"()[\]\\]+$/

// Headers come from the recipient and the subject only: the subject is put on one line, and a
// recipient that is not one plain address is refused rather than repaired.
function headerSafe (message: MailMessage): MailMessage {
  if (!PLAIN_ADDRESS.test(message.to)) throw new MailError('The recipient is not a single plain e-mail address', true)
  return { ...message, subject: singleLine(message.subject) }
}

/** Sends mail over SMTP_URL, or logs it without one. Every wait is SMTP_TIMEOUT_MS: nodemailer's own are minutes. */
export function createMailer (config: EnvConfig, log: FastifyBaseLogger): Mailer {
  if (config.SMTP_URL === undefined) {
    if (config.NODE_ENV === 'production') log.warn('SMTP_URL is unset: mail is written to the log, not sent')
    return {
      transport: 'log',
      async send (message) {
        log.info({ mail: { from: config.MAIL_FROM, ...headerSafe(message) } }, 'mail logged, not sent (SMTP_URL is unset)')
      },
      close () {}
    }
  }
  const url = config.SMTP_URL
  const timeout = config.SMTP_TIMEOUT_MS
  let transporter: Transporter | undefined
  // nodemailer is loaded with the first mail, not at boot: it is a large share of a start.
  async function connect (): Promise<Transporter> {
    const [{ createTransport }, { parseConnectionUrl }] = await Promise.all([import('nodemailer'), import('nodemailer/lib/shared/index.js')])
    transporter ??= createTransport({
      ...parseConnectionUrl(url),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      dnsTimeout: timeout,
      socketCloseTimeout: Math.min(timeout, 5000)
    }, { from: config.MAIL_FROM })
    return transporter
  }
  return {
    transport: 'smtp',
    async send (message, signal) {
      const { to, ...rest } = headerSafe(message)
      try {
        // An address object skips nodemailer's address parser: nothing left to split.
        await (transporter ?? await connect()).sendMail({ ...rest, to: { name: '', address: to }, signal })
      } catch (error) {
        throw toMailError(error)
      }
    },
    close () {
      transporter?.close()
    }
  }
}
