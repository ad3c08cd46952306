import { describe, it, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../../src/db/tables.js'
import { countJobsByStatus, enqueueJob, findJobById } from '../../src/jobs/jobs.repository.js'
import { testDialects } from '../helpers/build-app.js'
import { waitFor } from '../helpers/wait.js'
import { configEnv, spawnTs, testDb, waitForLog } from './helpers.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url))

async function createRunsTable (db: Kysely<Database>): Promise<void> {
  await sql`create table job_runs (job_id integer not null, worker_pid integer not null)`.execute(db)
}

async function runs (db: Kysely<Database>): Promise<Array<{ job_id: number, worker_pid: number }>> {
  const { rows } = await sql<{ job_id: number, worker_pid: number }>`select job_id, worker_pid from job_runs order by job_id`.execute(db)
  return rows.map((r) => ({ job_id: Number(r.job_id), worker_pid: Number(r.worker_pid) }))
}

const fast = { MIGRATE_ON_START: 'false', LOG_LEVEL: 'info', JOBS_POLL_INTERVAL_MS: '20' }

for (const dialect of testDialects()) {
  describe(`worker processes (${dialect})`, () => {
    it('a job whose worker is killed mid-job is done by another worker once its lease runs out', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      await createRunsTable(db)
      const job = await enqueueJob(db, 'test-block', { n: 1 })
      const env = configEnv(config, { ...fast, JOBS_VISIBILITY_TIMEOUT_MS: '1000' })

      const first = spawnTs(t, FIXTURE, [], { ...env, FIXTURE_BLOCK: '1' })
      await waitFor(async () => (await runs(db)).length === 1, 15_000, 'the first worker to start the job')
      first.child.kill('SIGKILL')
      t.assert.deepStrictEqual(await first.exited, { code: null, signal: 'SIGKILL' })
      const orphan = await findJobById(db, job.id)
      t.assert.deepStrictEqual([orphan?.status, orphan?.attempts], ['running', 1])

      const second = spawnTs(t, FIXTURE, [], env)
      const done = await waitFor(async () => {
        const row = await findJobById(db, job.id)
        return row?.status === 'done' && row
      }, 15_000, 'the second worker to finish the job')
      t.assert.strictEqual(done.attempts, 2)
      t.assert.ok(done.finished_at! >= orphan!.locked_until!, 'taken again only after the lease ran out')
      t.assert.deepStrictEqual((await runs(db)).map((r) => r.worker_pid), [first.child.pid, second.child.pid])

      second.child.kill('SIGTERM')
      t.assert.deepStrictEqual(await second.exited, { code: 0, signal: null })
      await waitForLog(second, 'job worker stopped', 1000)
    })

    it('SIGTERM releases a job that outlasts the shutdown deadline, and the process exits cleanly', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      await createRunsTable(db)
      const job = await enqueueJob(db, 'test-block', { n: 1 })
      const worker = spawnTs(t, FIXTURE, [], { ...configEnv(config, { ...fast, JOBS_SHUTDOWN_DEADLINE_MS: '200' }), FIXTURE_BLOCK: '1' })
      await waitFor(async () => (await runs(db)).length === 1, 15_000, 'the worker to start the job')
      const stopping = Date.now()
      worker.child.kill('SIGTERM')
      t.assert.deepStrictEqual(await worker.exited, { code: 0, signal: null })
      t.assert.ok(Date.now() - stopping < 3000)
      const released = await findJobById(db, job.id)
      t.assert.deepStrictEqual([released?.status, released?.attempts, released?.locked_by], ['queued', 0, null])
    })

    const total = dialect === 'postgres' ? 500 : 150
    it(`3 worker processes run each of ${total} jobs exactly once`, async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      await createRunsTable(db)
      const env = configEnv(config, { ...fast, JOBS_CONCURRENCY: '4', JOBS_VISIBILITY_TIMEOUT_MS: '60000' })
      const workers = [1, 2, 3].map(() => spawnTs(t, FIXTURE, [], env))
      // All three are polling before the first job exists, so they compete for every one.
      await Promise.all(workers.map(async (w) => await waitForLog(w, 'job worker started')))
      await db.insertInto('jobs')
        .values(Array.from({ length: total }, (_, n) => ({ type: 'test-record', payload: JSON.stringify({ n }), max_attempts: null })))
        .execute()
      await waitFor(async () => (await countJobsByStatus(db, ['done'])).done === total, 30_000, `${total} jobs to be done`)

      const executions = await runs(db)
      t.assert.strictEqual(executions.length, total)
      t.assert.strictEqual(new Set(executions.map((r) => r.job_id)).size, total)
      const perWorker = workers.map((w) => executions.filter((r) => r.worker_pid === w.child.pid).length)
      t.diagnostic(`jobs per worker: ${perWorker.join(', ')}`)
      t.assert.ok(perWorker.filter((n) => n > 0).length >= 2, `jobs per worker: ${perWorker.join(', ')}`)
      t.assert.deepStrictEqual(await countJobsByStatus(db, ['queued', 'running', 'failed']), { queued: 0, running: 0, failed: 0 })
      const attempts = await db.selectFrom('jobs').select('attempts').where('attempts', '!=', 1).execute()
      t.assert.deepStrictEqual(attempts, [])

      for (const w of workers) w.child.kill('SIGTERM')
      const exits = await Promise.all(workers.map(async (w) => await w.exited))
      t.assert.deepStrictEqual(exits.map((e) => e.code), [0, 0, 0])
      // No claim or update lost to lock contention along the way.
      t.assert.deepStrictEqual(workers.flatMap((w) => w.logs.filter((l) => Number(l.level) >= 40)), [])
    })
  })
}
