import { describe, it, type TestContext } from 'node:test'
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client'
import { RequestSeries } from '../../src/plugins/request-series.js'

describe('RequestSeries', () => {
  it('exposes exactly what prom-client\'s own Histogram and Counter would', async (t: TestContext) => {
    const ours = new Registry()
    const series = new RequestSeries()
    ours.registerMetric(series.durationMetric('http_request_duration_seconds', 'Time'))
    ours.registerMetric(series.totalMetric('http_requests_total', 'Requests'))
    const theirs = new Registry()
    const labelNames = ['method', 'route', 'status_code']
    const histogram = new Histogram({ name: 'http_request_duration_seconds', help: 'Time', labelNames, registers: [theirs] })
    const counter = new Counter({ name: 'http_requests_total', help: 'Requests', labelNames, registers: [theirs] })
    // On bounds, between them and above the last one, on two routes and two statuses.
    const observations: Array<[string, string, number, number]> = [
      ['GET', '/a', 200, 0.005], ['GET', '/a', 200, 0.0051], ['GET', '/a', 200, 0.3], ['GET', '/a', 200, 12],
      ['GET', '/a', 404, 0], ['POST', '/b', 201, 2.5], ['POST', '/b', 201, 0.02]
    ]
    for (const [method, route, statusCode, seconds] of observations) {
      series.observe(method, route, statusCode, seconds)
      histogram.observe({ method, route, status_code: statusCode }, seconds)
      counter.inc({ method, route, status_code: statusCode })
    }
    t.assert.strictEqual(await ours.metrics(), await theirs.metrics())
    // A cluster's primary sums its workers' figures the same way.
    const ourJson = await ours.getMetricsAsJSON()
    const theirJson = await theirs.getMetricsAsJSON()
    t.assert.strictEqual(
      await AggregatorRegistry.aggregate([ourJson, ourJson]).metrics(),
      await AggregatorRegistry.aggregate([theirJson, theirJson]).metrics()
    )
  })
})
