import { randomBytes } from 'node:crypto'
import { describe, it, type TestContext } from 'node:test'
import { buildTestApp, testDialects } from '../helpers/build-app.js'
import { createUser, injectAs } from '../helpers/users.js'

/** The value of the sample `name{labels}`, or undefined when the scrape has no such line. */
function sample (body: string, name: string, labels: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${name}{${labels}}`) || l.startsWith(`${name}{${labels},`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

for (const dialect of testDialects()) {
  describe(`GET /metrics (${dialect})`, () => {
    it('serves the Prometheus text format, documented in OpenAPI', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const res = await app.inject({ url: '/metrics' })
      t.assert.strictEqual(res.statusCode, 200)
      t.assert.strictEqual(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
      t.assert.match(res.body, /^# TYPE http_request_duration_seconds histogram$/m)
      t.assert.match(res.body, /^# TYPE http_requests_total counter$/m)
      t.assert.strictEqual((await app.inject({ url: '/api/v1/metrics' })).statusCode, 404, 'served at /metrics only')
      const doc = (await app.inject({ url: '/openapi.json' })).json()
      t.assert.ok(doc.paths['/metrics']?.get.responses['200'].content['text/plain; version=0.0.4; charset=utf-8'])
    })

    it('times requests by method, route template and status, never the raw URL', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      const probe = `probe-${randomBytes(6).toString('hex')}`
      t.assert.strictEqual((await injectAs(app, user, { url: `/api/v1/users/${user.user.id}` })).statusCode, 200)
      t.assert.strictEqual((await injectAs(app, user, { url: '/api/v1/users/987654' })).statusCode, 404)
      t.assert.strictEqual((await injectAs(app, user, { url: `/users/${user.user.id}?q=${probe}` })).statusCode, 200)
      t.assert.strictEqual((await app.inject({ url: `/${probe}/wp-admin.php` })).statusCode, 404)
      t.assert.strictEqual((await app.inject({ method: 'PUT', url: '/users/me' })).statusCode, 405)

      const body = (await app.inject({ url: '/metrics' })).body
      const route = 'method="GET",route="/api/v1/users/:user_id"'
      // The unprefixed alias is the same route, in the same series.
      t.assert.strictEqual(sample(body, 'http_request_duration_seconds_count', `${route},status_code="200"`), 2)
      t.assert.strictEqual(sample(body, 'http_request_duration_seconds_count', `${route},status_code="404"`), 1)
      t.assert.strictEqual(sample(body, 'http_requests_total', `${route},status_code="200"`), 2)
      t.assert.strictEqual(sample(body, 'http_request_duration_seconds_bucket', `le="+Inf",${route},status_code="200"`), 2)
      t.assert.ok(sample(body, 'http_request_duration_seconds_sum', `${route},status_code="200"`)! > 0)
      t.assert.strictEqual(sample(body, 'http_request_duration_seconds_count', 'method="GET",route="/users/:user_id",status_code="200"'), undefined)
      t.assert.strictEqual(sample(body, 'http_request_duration_seconds_count', 'method="POST",route="/api/v1/users",status_code="201"'), 1)
      t.assert.strictEqual(sample(body, 'http_request_duration_seconds_count', 'method="GET",route="unmatched",status_code="404"'), 1)
      t.assert.strictEqual(sample(body, 'http_request_duration_seconds_count', 'method="PUT",route="unmatched",status_code="405"'), 1)
      t.assert.ok(!body.includes(probe), 'no raw path or query in any label')
      t.assert.ok(!body.includes(`/users/${user.user.id}"`), 'no raw id in any label')
    })

    it('reports the job queue depth from the database', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const before = (await app.inject({ url: '/metrics' })).body
      t.assert.strictEqual(sample(before, 'agora_jobs', 'status="queued"'), 0)
      await createUser(app) // the sign-up queues a welcome mail
      const after = (await app.inject({ url: '/metrics' })).body
      t.assert.strictEqual(sample(after, 'agora_jobs', 'status="queued"'), 1)
      t.assert.strictEqual(sample(after, 'agora_jobs', 'status="running"'), 0)
      t.assert.strictEqual(sample(after, 'agora_jobs', 'status="failed"'), 0)
    })

    it('still answers, without a queue depth, when the database does not', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      await app.db.destroy()
      const res = await app.inject({ url: '/metrics' })
      t.assert.strictEqual(res.statusCode, 200)
      t.assert.strictEqual(sample(res.body, 'agora_jobs', 'status="queued"'), undefined)
      t.assert.match(res.body, /^process_cpu_user_seconds_total /m)
    })

    it('includes the process figures', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const body = (await app.inject({ url: '/metrics' })).body
      for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
        t.assert.match(body, new RegExp(`^${name}(\\{[^}]*\\})? `, 'm'), name)
      }
    })

    it('keeps apps apart: each counts only its own requests', async (t: TestContext) => {
      const first = await buildTestApp(t, dialect)
      const second = await buildTestApp(t, dialect)
      await first.inject({ url: '/health' })
      await first.inject({ url: '/health' })
      const health = 'method="GET",route="/health",status_code="200"'
      t.assert.strictEqual(sample((await first.inject({ url: '/metrics' })).body, 'http_requests_total', health), 2)
      t.assert.strictEqual(sample((await second.inject({ url: '/metrics' })).body, 'http_requests_total', health), undefined)
    })

    it('is off with METRICS_ENABLED=false', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect, { METRICS_ENABLED: 'false' })
      t.assert.strictEqual((await app.inject({ url: '/metrics' })).statusCode, 404)
    })
  })
}
