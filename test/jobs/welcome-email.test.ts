import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { isPostgres } from '../../src/db/dialect-sql.js'
import { listJobs } from '../../src/jobs/jobs.repository.js'
import { buildTestApp, testDialects, type Cleanup } from '../helpers/build-app.js'
import { freePort, startSilentServer, startSmtpServer } from '../helpers/smtp.js'
import { waitFor } from '../helpers/wait.js'

const fastJobs = {
  JOBS_POLL_INTERVAL_MS: '20',
  JOBS_BACKOFF_BASE_MS: '20',
  JOBS_BACKOFF_MAX_MS: '200',
  JOBS_MAX_ATTEMPTS: '5',
  MAIL_FROM: 'Agora <no-reply@agora.test>'
}

let counter = 0

async function signUp (app: FastifyInstance, name = 'Ada Lovelace') {
  counter += 1
  const email = `welcome${counter}.${process.pid}@example.com`
  const res = await app.inject({ method: 'POST', url: '/api/v1/users', payload: { name, email, password: 'correct-horse' } })
  return { res, email }
}

async function appWithWorker (t: Cleanup, dialect: Parameters<typeof buildTestApp>[1], env: Record<string, string>) {
  const app = await buildTestApp(t, dialect, { ...fastJobs, ...env })
  app.jobs.start()
  return app
}

async function onlyJob (
  app: FastifyInstance, until: (job: Awaited<ReturnType<typeof listJobs>>[number]) => boolean, what: string
) {
  return await waitFor(async () => {
    const [job] = await listJobs(app.db, { limit: 1 })
    return job !== undefined && until(job) && job
  }, 10_000, what)
}

for (const dialect of testDialects()) {
  describe(`welcome e-mail (${dialect})`, () => {
    it('is queued by the sign-up and delivered over SMTP: recipient, subject, escaped name', async (t: TestContext) => {
      const smtp = await startSmtpServer(t)
      const app = await appWithWorker(t, dialect, { SMTP_URL: smtp.url })
      const { res, email } = await signUp(app, 'Ada <b>Lovelace</b>\r\nBcc: victim@example.com')
      t.assert.strictEqual(res.statusCode, 201)
      const mail = await waitFor(() => smtp.received[0], 10_000, 'the welcome mail')
      t.assert.deepStrictEqual([mail.from, mail.to], ['no-reply@agora.test', [email]])
      t.assert.match(mail.raw, /^Subject: Welcome to Agora\r$/m)
      t.assert.doesNotMatch(mail.raw, /^Bcc:/im)
      t.assert.ok(mail.decoded.includes('Hello Ada <b>Lovelace</b> Bcc: victim@example.com,'), 'text body, on one line')
      t.assert.ok(mail.decoded.includes('Hello Ada &lt;b&gt;Lovelace&lt;/b&gt; Bcc: victim@example.com,'), 'HTML body, escaped')
      const job = await onlyJob(app, (j) => j.status === 'done', 'the job to be done')
      t.assert.deepStrictEqual([job.type, JSON.parse(job.payload), job.attempts], ['send-welcome-email', { user_id: res.json().id }, 1])
    })

    it('leaves no job (and no user) when the sign-up transaction fails after the insert', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      // The failure comes after both inserts, from inside the same transaction.
      if (isPostgres(app.db)) {
        await sql`create function fail_after_insert() returns trigger language plpgsql as $$ begin raise exception 'forced failure'; end $$`.execute(app.db)
        await sql`create trigger fail_after_insert after insert on jobs for each row execute function fail_after_insert()`.execute(app.db)
      } else {
        await sql`create trigger fail_after_insert after insert on jobs begin select raise(abort, 'forced failure'); end`.execute(app.db)
      }
      const { res } = await signUp(app)
      t.assert.strictEqual(res.statusCode, 500)
      const users = await app.db.selectFrom('users').select('id').execute()
      t.assert.deepStrictEqual([users, await listJobs(app.db, { limit: 10 })], [[], []])
    })

    it('the sign-up answers at once while the SMTP server hangs; /ready shows the queue', async (t: TestContext) => {
      const silent = await startSilentServer(t)
      const app = await appWithWorker(t, dialect, { SMTP_URL: `smtp://127.0.0.1:${silent.port}`, SMTP_TIMEOUT_MS: '3000', JOBS_SHUTDOWN_DEADLINE_MS: '100' })
      t.assert.strictEqual((await signUp(app)).res.statusCode, 201)
      await waitFor(() => silent.connections.length > 0, 5000, 'the worker to be stuck on SMTP')
      const started = Date.now()
      t.assert.strictEqual((await signUp(app)).res.statusCode, 201)
      t.assert.ok(Date.now() - started < 1500, `second sign-up took ${Date.now() - started} ms`)
      const ready = await waitFor(async () => {
        const body = (await app.inject({ url: '/ready' })).json()
        return body.jobs.running === 2 && body
      }, 5000, 'both jobs to be running')
      t.assert.deepStrictEqual(ready, { status: 'ok', jobs: { queued: 0, running: 2, failed: 0 } })
    })

    it('retries while the SMTP server is down and delivers once it is up', async (t: TestContext) => {
      const port = await freePort()
      const app = await appWithWorker(t, dialect, { SMTP_URL: `smtp://127.0.0.1:${port}`, JOBS_BACKOFF_BASE_MS: '100' })
      const { email } = await signUp(app)
      const waiting = await onlyJob(app, (j) => j.attempts >= 1 && j.last_error !== null, 'a failed attempt')
      t.assert.match(waiting.last_error ?? '', /ECONNREFUSED|connect/i)
      const smtp = await startSmtpServer(t, { port })
      const mail = await waitFor(() => smtp.received[0], 10_000, 'the welcome mail')
      t.assert.deepStrictEqual(mail.to, [email])
      const job = await onlyJob(app, (j) => j.status === 'done', 'the job to be done')
      t.assert.ok(job.attempts >= 2)
    })

    it('an SMTP server that answers 451 three times then accepts gets the mail on the fourth attempt', async (t: TestContext) => {
      const smtp = await startSmtpServer(t, { refuse: (n) => n <= 3 ? 451 : undefined })
      const app = await appWithWorker(t, dialect, { SMTP_URL: smtp.url })
      await signUp(app)
      const job = await onlyJob(app, (j) => j.status === 'done', 'the job to be done')
      t.assert.deepStrictEqual([job.attempts, smtp.offers, smtp.received.length], [4, 4, 1])
      t.assert.match(job.last_error ?? '', /451/)
    })

    it('an SMTP server that answers 550 fails the job after one attempt, with the error kept', async (t: TestContext) => {
      const smtp = await startSmtpServer(t, { refuse: () => 550 })
      const app = await appWithWorker(t, dialect, { SMTP_URL: smtp.url })
      await signUp(app)
      const job = await onlyJob(app, (j) => j.status === 'failed', 'the job to fail')
      t.assert.deepStrictEqual([job.attempts, smtp.offers], [1, 1])
      t.assert.match(job.last_error ?? '', /550/)
      const ready = await app.inject({ url: '/ready' })
      t.assert.deepStrictEqual(ready.json().jobs, { queued: 0, running: 0, failed: 1 })
    })

    it('an SMTP server that never greets costs each attempt SMTP_TIMEOUT_MS, and the job is retried', async (t: TestContext) => {
      const silent = await startSilentServer(t)
      const app = await appWithWorker(t, dialect, { SMTP_URL: `smtp://127.0.0.1:${silent.port}`, SMTP_TIMEOUT_MS: '300', JOBS_MAX_ATTEMPTS: '3' })
      await signUp(app)
      const job = await onlyJob(app, (j) => j.status === 'failed', 'the job to run out of attempts')
      t.assert.strictEqual(job.attempts, 3)
      t.assert.match(job.last_error ?? '', /greeting|timed? ?out/i)
      await waitFor(() => silent.connections.every((c) => c.closedAt !== undefined), 2000, 'every connection to close')
      t.assert.strictEqual(silent.connections.length, 3)
      for (const { openedAt, closedAt } of silent.connections) {
        const open = (closedAt ?? Infinity) - openedAt
        t.assert.ok(open >= 250 && open < 1500, `a connection stayed open ${open} ms`)
      }
    })
  })
}
