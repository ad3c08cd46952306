import cluster, { type Worker } from 'node:cluster'
import { AggregatorRegistry, type Registry } from 'prom-client'

const REQUEST = 'agora:metrics:get'
const RESPONSE = 'agora:metrics:text'
const ANSWER_TIMEOUT_MS = 5000

interface MetricsRequest { type: typeof REQUEST, id: number }
interface MetricsResponse { type: typeof RESPONSE, id: number, text?: string, error?: string }

let workerAggregation: Registry | undefined

/** In a cluster worker: fetches the group's metrics from the primary, so that one scrape counts every worker. */
export function clusterMetrics (registry: Registry): () => Promise<string> {
  // Constructing one installs prom-client's listener for the primary's requests.
  workerAggregation ??= new AggregatorRegistry()
  AggregatorRegistry.setRegistries([registry])
  const pending = new Map<number, (response: MetricsResponse) => void>()
  let next = 0
  process.on('message', (message: MetricsResponse) => {
    if (message?.type === RESPONSE) pending.get(message.id)?.(message)
  })
  return async () => await new Promise<string>((resolve, reject) => {
    const id = next++
    const timer = setTimeout(() => answer({ type: RESPONSE, id, error: 'the cluster primary did not answer' }), ANSWER_TIMEOUT_MS)
    function answer (response: MetricsResponse): void {
      pending.delete(id)
      clearTimeout(timer)
      if (response.text !== undefined) resolve(response.text)
      else reject(new Error(`metrics: ${response.error ?? 'no answer'}`))
    }
    pending.set(id, answer)
    const request: MetricsRequest = { type: REQUEST, id }
    process.send?.(request)
  })
}

/** In the primary: answers a worker's request with every worker's metrics, aggregated. */
export function serveClusterMetrics (): void {
  const aggregator = new AggregatorRegistry()
  cluster.on('message', (worker: Worker, message: MetricsRequest) => {
    if (message?.type !== REQUEST) return
    aggregator.clusterMetrics().then(
      (text): MetricsResponse => ({ type: RESPONSE, id: message.id, text }),
      (error: unknown): MetricsResponse => ({ type: RESPONSE, id: message.id, error: String(error) })
    ).then((response) => { if (worker.isConnected()) worker.send(response) }, () => {})
  })
}
