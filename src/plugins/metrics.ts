import cluster from 'node:cluster'
import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import type { Config } from '../config.js'
import type { Database } from '../db/tables.js'
import { countJobsByStatus, QUEUE_STATUSES } from '../jobs/jobs.repository.js'
import { clusterMetrics } from './metrics-cluster.js'
import { RequestSeries } from './request-series.js'

// The route label of a request that matched no route (404, 405): never its URL, so a scan adds no series.
const UNMATCHED_ROUTE = 'unmatched'

let processRegistry: Registry | undefined

// The process figures' collectors (a GC observer, an event loop monitor) cannot be stopped,
// so every app of a process (tests build hundreds) shares one set.
function processMetrics (): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

export function createMetrics (db: Kysely<Database>, log: FastifyBaseLogger) {
  const own = new Registry()
  const requests = new RequestSeries()
  own.registerMetric(requests.durationMetric(
    'http_request_duration_seconds', 'Time from request to response, by route template, method and status'))
  // The same number as the histogram's _count, under the name dashboards and alerts expect.
  own.registerMetric(requests.totalMetric('http_requests_total', 'Requests answered, by route template, method and status'))
  own.registerMetric(new Gauge({
    name: 'agora_jobs',
    help: 'Jobs in the queue by status (queued includes retries; failed are out of attempts)',
    labelNames: ['status'],
    registers: [],
    // Every worker of a cluster reads the same queue: one of them tells the depth.
    aggregator: 'max',
    async collect () {
      try {
        const counts = await countJobsByStatus(db, QUEUE_STATUSES)
        for (const status of QUEUE_STATUSES) this.set({ status }, counts[status])
      } catch (error) {
        // A scrape still gets the HTTP and process figures; no stale depth is reported.
        this.reset()
        log.warn({ err: error }, 'metrics: counting jobs failed')
      }
    }
  }))
  const registry = Registry.merge([processMetrics(), own])
  const groupText = cluster.isWorker ? clusterMetrics(registry) : undefined

  return {
    registry,
    async text (): Promise<string> {
      return groupText !== undefined ? await groupText() : await registry.metrics()
    },
    /** Records one answered request; `route` is the template, or undefined when none matched. */
    observeRequest (method: string, route: string | undefined, statusCode: number, seconds: number): void {
      requests.observe(method, route ?? UNMATCHED_ROUTE, statusCode, seconds)
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ReturnType<typeof createMetrics> | null
  }
}

/** @see https://github.com/siimon/prom-client */
export default fp<{ config: Config }>(async function metrics (fastify, { config }) {
  if (!config.METRICS_ENABLED) {
    fastify.decorate('metrics', null)
    return
  }
  fastify.decorate('metrics', createMetrics(fastify.db, fastify.log))
}, { name: 'metrics', dependencies: ['db'] })
