import { describe, it, type TestContext } from 'node:test'
import { enqueueJob, findJobById } from '../../src/jobs/jobs.repository.js'
import type { JobHandlers } from '../../src/jobs/jobs.types.js'
import { createWorker, type WorkerOptions } from '../../src/jobs/jobs.worker.js'
import { testDialects, type Cleanup } from '../helpers/build-app.js'
import { waitFor } from '../helpers/wait.js'
import { fastWorkerOptions, silentLog, testDb } from './helpers.js'

type Db = Awaited<ReturnType<typeof testDb>>['db']

function startWorker (t: Cleanup, db: Db, handlers: JobHandlers, options: Partial<WorkerOptions> = {}) {
  const worker = createWorker(db, handlers, fastWorkerOptions(options), silentLog)
  t.after(async () => await worker.stop())
  worker.start()
  return worker
}

async function settled (db: Db, id: number) {
  return await waitFor(async () => {
    const job = await findJobById(db, id)
    return job !== undefined && (job.status === 'done' || job.status === 'failed') && job
  }, 10_000, `job ${id} to settle`)
}

/** A handler that fails its first `failures` attempts, permanently if asked. */
const failing: JobHandlers['test-fail'] = async ({ failures, permanent }, { job }) => {
  if (job.attempts <= failures) throw Object.assign(new Error(`attempt ${job.attempts} failed`), { permanent })
}

for (const dialect of testDialects()) {
  describe(`job worker (${dialect})`, () => {
    it('retries a failing job with backoff until it succeeds, keeping the last error', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const job = await enqueueJob(db, 'test-fail', { failures: 2 })
      startWorker(t, db, { 'test-fail': failing })
      const done = await settled(db, job.id)
      t.assert.deepStrictEqual([done.status, done.attempts, done.last_error], ['done', 3, 'attempt 2 failed'])
    })

    it('deletes done jobs past their retention when it starts', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const old = await enqueueJob(db, 'test-fail', { failures: 0 })
      await db.updateTable('jobs').set({ status: 'done', finished_at: new Date(Date.now() - 60_000).toISOString() }).where('id', '=', old.id).execute()
      startWorker(t, db, { 'test-fail': failing }, { retentionMs: 1000 })
      await waitFor(async () => (await findJobById(db, old.id)) === undefined, 10_000, 'the old done job to go')
    })

    it('keeps a job as failed with its error once attempts run out, or at once on a permanent error', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const exhausted = await enqueueJob(db, 'test-fail', { failures: 99 })
      const ownLimit = await enqueueJob(db, 'test-fail', { failures: 99 }, { maxAttempts: 2 })
      const permanent = await enqueueJob(db, 'test-fail', { failures: 99, permanent: true })
      startWorker(t, db, { 'test-fail': failing }, { maxAttempts: 4 })
      const results = await Promise.all([exhausted, ownLimit, permanent].map(async (j) => await settled(db, j.id)))
      t.assert.deepStrictEqual(results.map((j) => [j.status, j.attempts, j.last_error]), [
        ['failed', 4, 'attempt 4 failed'],
        ['failed', 2, 'attempt 2 failed'],
        ['failed', 1, 'attempt 1 failed']
      ])
    })

    it('runs at most `concurrency` jobs at a time, and each job once', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const runs: number[] = []
      let active = 0
      let peak = 0
      const ids = []
      for (let n = 0; n < 12; n++) ids.push((await enqueueJob(db, 'test-record', { n })).id)
      startWorker(t, db, {
        'test-record': async ({ n }) => {
          active += 1
          peak = Math.max(peak, active)
          await new Promise((resolve) => setTimeout(resolve, 15))
          runs.push(n)
          active -= 1
        }
      }, { concurrency: 3 })
      for (const id of ids) await settled(db, id)
      t.assert.strictEqual(peak, 3)
      t.assert.deepStrictEqual(runs.toSorted((a, b) => a - b), [...Array(12).keys()])
    })

    it('aborts an attempt that outlives its time limit and retries it', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const job = await enqueueJob(db, 'test-block', { n: 1 })
      let aborted = false
      startWorker(t, db, {
        'test-block': async (_payload, { job, signal }) => {
          if (job.attempts > 1) return
          // Ignores the signal on purpose: the worker must free the slot anyway.
          signal.addEventListener('abort', () => { aborted = true })
          await new Promise((resolve) => setTimeout(resolve, 5000).unref())
        }
      }, { visibilityTimeoutMs: 300 })
      const started = Date.now()
      const done = await settled(db, job.id)
      t.assert.ok(Date.now() - started < 3000)
      t.assert.deepStrictEqual([done.status, done.attempts, aborted], ['done', 2, true])
      t.assert.match(done.last_error ?? '', /Timed out after 270 ms/)
    })

    it('stop lets a short job finish, then aborts and releases one that outlasts the deadline', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const short = await enqueueJob(db, 'test-record', { n: 1 })
      const long = await enqueueJob(db, 'test-block', { n: 2 })
      let started = 0
      let longAborted = false
      const worker = startWorker(t, db, {
        'test-record': async () => {
          started += 1
          await new Promise((resolve) => setTimeout(resolve, 150))
        },
        'test-block': async (_payload, { signal }) => {
          started += 1
          await new Promise((resolve) => signal.addEventListener('abort', () => { longAborted = true; resolve(undefined) }))
        }
      }, { shutdownDeadlineMs: 400 })
      await waitFor(() => started === 2, 5000, 'both jobs to start')
      const stopping = Date.now()
      await worker.stop()
      const took = Date.now() - stopping
      t.assert.ok(took >= 350 && took < 2000, `stop took ${took} ms`)
      t.assert.strictEqual(worker.activeJobs, 0)
      t.assert.strictEqual(longAborted, true)
      const [a, b] = [await findJobById(db, short.id), await findJobById(db, long.id)]
      t.assert.deepStrictEqual([a?.status, a?.attempts], ['done', 1])
      t.assert.deepStrictEqual([b?.status, b?.attempts, b?.locked_by], ['queued', 0, null])
    })

    it('leaves jobs of types it has no handler for', async (t: TestContext) => {
      const { db } = await testDb(t, dialect)
      const other = await enqueueJob(db, 'test-block', { n: 1 })
      const mine = await enqueueJob(db, 'test-record', { n: 2 })
      startWorker(t, db, { 'test-record': async () => {} })
      await settled(db, mine.id)
      t.assert.strictEqual((await findJobById(db, other.id))?.status, 'queued')
    })
  })
}
