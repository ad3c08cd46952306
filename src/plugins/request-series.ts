import type { Metric } from 'prom-client'

// prom-client's default buckets, in seconds.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

type Labels = { method: string, route: string, status_code: number }
type Value = { labels: Record<string, string | number>, value: number, metricName?: string }

interface Series {
  labels: Labels
  /** Observations per bucket, not cumulative; the last counts those above every bound. */
  counts: number[]
  sum: number
  count: number
}

/**
 * The request histogram and counter as one table of series, one Map lookup per request, where
 * prom-client's own validate, sort and hash the labels on every observation. Its registry still
 * reads them (`get()`), so the exposition text, the cluster's aggregation and the names stay prom-client's.
 */
export class RequestSeries {
  readonly #series = new Map<string, Series>()

  observe (method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${method} ${statusCode} ${route}`
    let series = this.#series.get(key)
    if (series === undefined) {
      const labels = { method, route, status_code: statusCode }
      series = { labels, counts: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0, count: 0 }
      this.#series.set(key, series)
    }
    let bucket = 0
    while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]!) bucket++
    series.counts[bucket]!++
    series.sum += seconds
    series.count++
  }

  durationMetric (name: string, help: string): Metric {
    return this.metric(name, help, 'histogram', (series) => {
      const values: Value[] = []
      let cumulative = 0
      BUCKETS.forEach((bound, index) => {
        cumulative += series.counts[index]!
        values.push({ metricName: `${name}_bucket`, labels: { le: bound, ...series.labels }, value: cumulative })
      })
      values.push(
        { metricName: `${name}_bucket`, labels: { le: '+Inf', ...series.labels }, value: series.count },
        { metricName: `${name}_sum`, labels: series.labels, value: series.sum },
        { metricName: `${name}_count`, labels: series.labels, value: series.count }
      )
      return values
    })
  }

  totalMetric (name: string, help: string): Metric {
    return this.metric(name, help, 'counter', (series) => [{ labels: series.labels, value: series.count }])
  }

  // What prom-client's registry reads of a metric: its name, type and `get()`.
  private metric (name: string, help: string, type: 'histogram' | 'counter', valuesOf: (series: Series) => Value[]): Metric {
    const get = async (): Promise<object> =>
      ({ name, help, type, aggregator: 'sum', values: [...this.#series.values()].flatMap(valuesOf) })
    return { name, help, type, aggregator: 'sum', get, reset: () => { this.#series.clear() } } as unknown as Metric
  }
}
