import { Writable } from 'node:stream'
import { describe, it, type TestContext } from 'node:test'
import pino from 'pino'
import { loadConfig } from '../../src/config.js'
import { createMailer, MailError } from '../../src/mail/mailer.js'
import { startSilentServer, startSmtpServer } from '../helpers/smtp.js'

const message = { to: 'ada@example.com', subject: 'Hello', text: 'Plain body', html: '<p>HTML body</p>' }

function mailerConfig (env: Record<string, string>) {
  return loadConfig({ NODE_ENV: 'test', MAIL_FROM: 'Agora <no-reply@agora.test>', ...env })
}

function capturedLogger () {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()))
      callback()
    }
  })
  return { log: pino({ level: 'info' }, stream), lines }
}

async function rejection (promise: Promise<unknown>): Promise<MailError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof MailError) return error
    throw error
  }
  throw new Error('expected the send to fail')
}

describe('mailer', () => {
  it('sends over SMTP with the URL\'s credentials: sender, recipient, subject and both bodies', async (t: TestContext) => {
    const smtp = await startSmtpServer(t, { auth: { user: 'agora', pass: 's3cret' } })
    const mailer = createMailer(mailerConfig({ SMTP_URL: smtp.url }), pino({ level: 'silent' }))
    t.after(() => mailer.close())
    t.assert.strictEqual(mailer.transport, 'smtp')
    await mailer.send(message)
    t.assert.strictEqual(smtp.received.length, 1)
    const [mail] = smtp.received
    t.assert.strictEqual(mail?.from, 'no-reply@agora.test')
    t.assert.deepStrictEqual(mail?.to, ['ada@example.com'])
    t.assert.match(mail?.raw ?? '', /^Subject: Hello\r$/m)
    t.assert.match(mail?.raw ?? '', /Plain body/)
    t.assert.match(mail?.raw ?? '', /<p>HTML body<\/p>/)
  })

  it('fails with a wrong password, and retrying stays possible (not permanent)', async (t: TestContext) => {
    const smtp = await startSmtpServer(t, { auth: { user: 'agora', pass: 's3cret' } })
    const mailer = createMailer(mailerConfig({ SMTP_URL: `smtp://agora:wrong@127.0.0.1:${smtp.port}` }), pino({ level: 'silent' }))
    t.after(() => mailer.close())
    const error = await rejection(mailer.send(message))
    t.assert.strictEqual(error.permanent, false)
    t.assert.strictEqual(smtp.received.length, 0)
  })

  it('a CR/LF in the subject adds no header; a recipient that is not one plain address is refused', async (t: TestContext) => {
    const smtp = await startSmtpServer(t)
    const mailer = createMailer(mailerConfig({ SMTP_URL: smtp.url }), pino({ level: 'silent' }))
    t.after(() => mailer.close())
    await mailer.send({ ...message, subject: 'Hi\r\nBcc: victim@example.com\r\nX-Evil: 1' })
    const [mail] = smtp.received
    t.assert.deepStrictEqual(mail?.to, ['ada@example.com'])
    t.assert.doesNotMatch(mail?.raw ?? '', /^(Bcc|X-Evil):/im)
    for (const to of ['ada@example.com\r\nBcc: victim@example.com', 'ada@example.com, victim@example.com', 'Ada <victim@example.com>']) {
      t.assert.strictEqual((await rejection(mailer.send({ ...message, to }))).permanent, true)
    }
    t.assert.strictEqual(smtp.received.length, 1)
  })

  it('a 550 is a permanent failure, a 451 a transient one', async (t: TestContext) => {
    const smtp = await startSmtpServer(t, { refuse: (n) => n === 1 ? 550 : 451 })
    const mailer = createMailer(mailerConfig({ SMTP_URL: smtp.url }), pino({ level: 'silent' }))
    t.after(() => mailer.close())
    const permanent = await rejection(mailer.send(message))
    t.assert.strictEqual(permanent.permanent, true)
    t.assert.match(permanent.message, /550/)
    const transient = await rejection(mailer.send(message))
    t.assert.strictEqual(transient.permanent, false)
    t.assert.match(transient.message, /451/)
  })

  it('gives up on a server that never greets within SMTP_TIMEOUT_MS', async (t: TestContext) => {
    const silent = await startSilentServer(t)
    const mailer = createMailer(mailerConfig({ SMTP_URL: `smtp://127.0.0.1:${silent.port}`, SMTP_TIMEOUT_MS: '300' }), pino({ level: 'silent' }))
    t.after(() => mailer.close())
    const started = Date.now()
    const error = await rejection(mailer.send(message))
    const elapsed = Date.now() - started
    t.assert.ok(elapsed >= 250 && elapsed < 2000, `gave up after ${elapsed} ms`)
    t.assert.strictEqual(error.permanent, false)
    t.assert.strictEqual(silent.connections.length, 1)
  })

  it('without SMTP_URL, writes the whole mail to the log', async (t: TestContext) => {
    const { log, lines } = capturedLogger()
    const mailer = createMailer(mailerConfig({}), log)
    t.assert.strictEqual(mailer.transport, 'log')
    await mailer.send({ ...message, subject: 'Hi\r\nBcc: x@example.com' })
    const line = lines.find((l) => l.mail !== undefined)
    t.assert.deepStrictEqual(line?.mail, {
      from: 'Agora <no-reply@agora.test>', to: 'ada@example.com', subject: 'Hi Bcc: x@example.com', text: 'Plain body', html: '<p>HTML body</p>'
    })
  })
})
