import { describe, it, type TestContext } from 'node:test'
import {
  claimJobs, completeJob, countJobsByStatus, deleteFinishedJobs, enqueueJob, failJob,
  findJobById, JOB_STATUSES, listJobs, releaseJobs, retryJob
} from '../../src/jobs/jobs.repository.js'
import { backoffDelay } from '../../src/jobs/jobs.worker.js'
import { testDialects } from '../helpers/build-app.js'
import { testDb } from './helpers.js'

const types = ['test-record']

describe('backoffDelay', () => {
  it('doubles from the base, is capped, and jitters within the upper half', (t: TestContext) => {
    t.assert.deepStrictEqual([1, 2, 3, 4].map((n) => backoffDelay(n, 100, 10_000, () => 1)), [100, 200, 400, 800])
    t.assert.deepStrictEqual([1, 2, 3, 4].map((n) => backoffDelay(n, 100, 10_000, () => 0)), [50, 100, 200, 400])
    t.assert.strictEqual(backoffDelay(30, 100, 10_000, () => 1), 10_000)
    t.assert.strictEqual(backoffDelay(500, 100, 10_000, () => 0.5), 7500)
  })
})

for (const dialect of testDialects()) {
  describe(`jobs repository (${dialect})`, () => {
    it('a job enqueued in a transaction that rolls back does not exist; one that commits does', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      await t.assert.rejects(db.transaction().execute(async (trx) => {
        await enqueueJob(trx, 'test-record', { n: 1 })
        throw new Error('rolled back')
      }), /rolled back/)
      t.assert.deepStrictEqual(await listJobs(db, { limit: 10 }), [])
      const job = await db.transaction().execute(async (trx) => await enqueueJob(trx, 'test-record', { n: 2 }))
      t.assert.deepStrictEqual(await findJobById(db, job.id), job)
      t.assert.deepStrictEqual([job.status, job.attempts, JSON.parse(job.payload)], ['queued', 0, { n: 2 }])
    })

    it('deletes done jobs past their retention, and nothing else', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const [oldDone, newDone, oldFailed, queued] = [
        await enqueueJob(db, 'test-record', { n: 1 }), await enqueueJob(db, 'test-record', { n: 2 }),
        await enqueueJob(db, 'test-record', { n: 3 }), await enqueueJob(db, 'test-record', { n: 4 })
      ]
      const hoursAgo = (hours: number): string => new Date(Date.now() - hours * 3_600_000).toISOString()
      await db.updateTable('jobs').set({ status: 'done', finished_at: hoursAgo(200) }).where('id', '=', oldDone.id).execute()
      await db.updateTable('jobs').set({ status: 'done', finished_at: hoursAgo(1) }).where('id', '=', newDone.id).execute()
      await db.updateTable('jobs').set({ status: 'failed', finished_at: hoursAgo(200) }).where('id', '=', oldFailed.id).execute()
      t.assert.strictEqual(await deleteFinishedJobs(db, 168 * 3_600_000), 1)
      const left = (await listJobs(db, { limit: 10 })).map((job) => job.id).sort((a, b) => a - b)
      t.assert.deepStrictEqual(left, [newDone.id, oldFailed.id, queued.id])
    })

    it('claims due jobs of its types, oldest first, up to the limit, and leases them', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const a = await enqueueJob(db, 'test-record', { n: 1 })
      const b = await enqueueJob(db, 'test-record', { n: 2 })
      await enqueueJob(db, 'test-record', { n: 3 }, { delayMs: 60_000 })
      await enqueueJob(db, 'test-fail', { failures: 0 })
      const first = await claimJobs(db, { workerId: 'w1', limit: 1, leaseMs: 60_000, types })
      t.assert.deepStrictEqual(first.map((j) => [j.id, j.status, j.attempts, j.locked_by]), [[a.id, 'running', 1, 'w1']])
      t.assert.ok(first[0]!.locked_until! > first[0]!.run_at)
      const rest = await claimJobs(db, { workerId: 'w2', limit: 10, leaseMs: 60_000, types })
      t.assert.deepStrictEqual(rest.map((j) => j.id), [b.id])
      t.assert.deepStrictEqual(await claimJobs(db, { workerId: 'w3', limit: 10, leaseMs: 60_000, types }), [])
    })

    it('claims a running job again once its lease ends, and the first worker can no longer settle it', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const job = await enqueueJob(db, 'test-record', { n: 1 })
      const [held] = await claimJobs(db, { workerId: 'w1', limit: 1, leaseMs: 50, types })
      await new Promise((resolve) => setTimeout(resolve, 80))
      const [again] = await claimJobs(db, { workerId: 'w2', limit: 1, leaseMs: 60_000, types })
      t.assert.deepStrictEqual([again?.id, again?.attempts, again?.locked_by], [job.id, 2, 'w2'])
      t.assert.strictEqual(await completeJob(db, held!, 'w1'), false)
      t.assert.strictEqual(await failJob(db, held!, 'w1', 'late', null), false)
      t.assert.strictEqual(await completeJob(db, again!, 'w2'), true)
      const done = await findJobById(db, job.id)
      t.assert.deepStrictEqual([done?.status, done?.locked_by, done?.locked_until, typeof done?.finished_at], ['done', null, null, 'string'])
    })

    it('a failed attempt is queued again after its delay, or kept as failed with its error; retry queues it again', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const job = await enqueueJob(db, 'test-record', { n: 1 })
      const [first] = await claimJobs(db, { workerId: 'w', limit: 1, leaseMs: 60_000, types })
      t.assert.strictEqual(await failJob(db, first!, 'w', 'boom 1', 60_000), true)
      const waiting = await findJobById(db, job.id)
      t.assert.deepStrictEqual([waiting?.status, waiting?.attempts, waiting?.last_error, waiting?.locked_by], ['queued', 1, 'boom 1', null])
      t.assert.deepStrictEqual(await claimJobs(db, { workerId: 'w', limit: 1, leaseMs: 60_000, types }), [], 'not due yet')

      const other = await enqueueJob(db, 'test-record', { n: 2 })
      const [claimed] = await claimJobs(db, { workerId: 'w', limit: 1, leaseMs: 60_000, types })
      t.assert.strictEqual(claimed?.id, other.id)
      t.assert.strictEqual(await failJob(db, claimed!, 'w', 'boom 2', null), true)
      const failed = await findJobById(db, other.id)
      t.assert.deepStrictEqual([failed?.status, failed?.last_error, typeof failed?.finished_at], ['failed', 'boom 2', 'string'])
      t.assert.deepStrictEqual(await countJobsByStatus(db, JOB_STATUSES), { queued: 1, running: 0, done: 0, failed: 1 })
      t.assert.deepStrictEqual((await listJobs(db, { status: 'failed', limit: 10 })).map((j) => j.id), [other.id])

      t.assert.strictEqual(await retryJob(db, job.id), undefined, 'only failed jobs are retried')
      const retried = await retryJob(db, other.id)
      t.assert.deepStrictEqual([retried?.status, retried?.attempts, retried?.finished_at, retried?.last_error], ['queued', 0, null, 'boom 2'])
      const [rerun] = await claimJobs(db, { workerId: 'w', limit: 1, leaseMs: 60_000, types })
      t.assert.strictEqual(rerun?.id, other.id)
    })

    it('release puts held jobs back, due now, without spending an attempt', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const a = await enqueueJob(db, 'test-record', { n: 1 })
      const b = await enqueueJob(db, 'test-record', { n: 2 })
      await claimJobs(db, { workerId: 'w1', limit: 2, leaseMs: 60_000, types })
      t.assert.strictEqual(await releaseJobs(db, [a.id, b.id], 'someone-else'), 0)
      t.assert.strictEqual(await releaseJobs(db, [a.id, b.id], 'w1'), 2)
      const again = await claimJobs(db, { workerId: 'w2', limit: 5, leaseMs: 60_000, types })
      t.assert.deepStrictEqual(again.map((j) => [j.id, j.attempts]), [[a.id, 1], [b.id, 1]])
    })

    it('lists the newest jobs first and counts each status, zero included', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      t.assert.deepStrictEqual(await countJobsByStatus(db, ['queued', 'failed']), { queued: 0, failed: 0 })
      const ids = []
      for (let n = 0; n < 3; n++) ids.push((await enqueueJob(db, 'test-record', { n })).id)
      t.assert.deepStrictEqual((await listJobs(db, { limit: 2 })).map((j) => j.id), ids.reverse().slice(0, 2))
      t.assert.deepStrictEqual(await countJobsByStatus(db, ['queued', 'failed']), { queued: 3, failed: 0 })
    })
  })
}
