import { describe, it, type TestContext } from 'node:test'
import { claimJobs, enqueueJob, failJob, findJobById, listJobs } from '../../src/jobs/jobs.repository.js'
import { insertUser } from '../../src/modules/users/users.repository.js'
import { testDialects } from '../helpers/build-app.js'
import { runCli } from '../helpers/cli.js'
import { startSmtpServer } from '../helpers/smtp.js'
import { waitFor } from '../helpers/wait.js'
import { configEnv, spawnAgora, testDb, waitForLog } from './helpers.js'

for (const dialect of testDialects()) {
  describe(`agora jobs, worker and serve (${dialect})`, () => {
    it('`jobs list` shows the depth and the jobs, `jobs retry ID` queues a failed one again', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const env = configEnv(config)
      const queued = await enqueueJob(db, 'send-welcome-email', { user_id: 1 })
      const failed = await enqueueJob(db, 'send-password-reset-email', { email: 'nobody@example.com', valid_minutes: 30 })
      const [held] = await claimJobs(db, { workerId: 'w', limit: 1, leaseMs: 60_000, types: ['send-password-reset-email'] })
      await failJob(db, held!, 'w', 'Message failed: 550 5.1.1 no such user', null)

      // Read-only runs (and a refused retry) go in parallel: each is a process start.
      const [all, onlyFailed, bad, notFailed] = await Promise.all([
        runCli(['jobs', 'list'], env),
        runCli(['jobs', 'list', '--status', 'failed'], env),
        runCli(['jobs', 'list', '--status', 'lost'], env),
        runCli(['jobs', 'retry', String(queued.id)], env)
      ])
      t.assert.strictEqual(all.code, 0, all.output)
      t.assert.match(all.output, /queued: 1 {2}running: 0 {2}done: 0 {2}failed: 1/)
      t.assert.match(all.output, new RegExp(`${queued.id}\\s+queued\\s+send-welcome-email`))
      t.assert.match(all.output, new RegExp(`${failed.id}\\s+failed\\s+send-password-reset-email.*550 5\\.1\\.1 no such user`))
      t.assert.strictEqual(onlyFailed.code, 0, onlyFailed.output)
      t.assert.match(onlyFailed.output, /send-password-reset-email/)
      t.assert.doesNotMatch(onlyFailed.output, /send-welcome-email/)
      t.assert.deepStrictEqual([bad.code, /Unknown status "lost"/.test(bad.output)], [1, true])
      t.assert.deepStrictEqual([notFailed.code, /has not failed/.test(notFailed.output)], [1, true])

      const retried = await runCli(['jobs', 'retry', String(failed.id)], env)
      t.assert.strictEqual(retried.code, 0, retried.output)
      const again = await findJobById(db, failed.id)
      t.assert.deepStrictEqual([again?.status, again?.attempts], ['queued', 0])
    })

    it('`agora worker` delivers queued mail and stops cleanly on SIGTERM', async (t: TestContext) => {
      const smtp = await startSmtpServer(t)
      const { db, config } = await testDb(t, dialect)
      const user = await insertUser(db, { name: 'Grace', email: 'grace@example.com', hashed_password: 'x', age: null, role: 'user' })
      const job = await enqueueJob(db, 'send-welcome-email', { user_id: user.id })
      const worker = spawnAgora(t, ['worker'], configEnv(config, { SMTP_URL: smtp.url, LOG_LEVEL: 'info', JOBS_POLL_INTERVAL_MS: '20' }))
      const mail = await waitFor(() => smtp.received[0], 15_000, 'the welcome mail')
      t.assert.deepStrictEqual(mail.to, ['grace@example.com'])
      await waitFor(async () => (await findJobById(db, job.id))?.status === 'done', 5000, 'the job to be done')
      worker.child.kill('SIGTERM')
      t.assert.deepStrictEqual(await worker.exited, { code: 0, signal: null })
      await waitForLog(worker, 'job worker stopped', 1000)
    })

    it('`agora serve` runs a worker: a sign-up over HTTP gets its welcome mail', async (t: TestContext) => {
      const smtp = await startSmtpServer(t)
      const { db, config } = await testDb(t, dialect)
      const server = spawnAgora(t, ['serve'], configEnv(config, { SMTP_URL: smtp.url, LOG_LEVEL: 'info', PORT: '0', JOBS_POLL_INTERVAL_MS: '20' }))
      const listening = await waitForLog(server, /^Server listening at http:\/\/127\.0\.0\.1:/)
      const url = String(listening.msg).replace('Server listening at ', '')
      const res = await fetch(`${url}/api/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Linus', email: 'linus@example.com', password: 'correct-horse' })
      })
      t.assert.strictEqual(res.status, 201)
      const mail = await waitFor(() => smtp.received[0], 15_000, 'the welcome mail')
      t.assert.deepStrictEqual(mail.to, ['linus@example.com'])
      await waitFor(async () => (await listJobs(db, { status: 'done', limit: 1 })).length === 1, 5000, 'the job to be done')
      server.child.kill('SIGTERM')
      t.assert.deepStrictEqual(await server.exited, { code: 0, signal: null })
    })
  })
}
