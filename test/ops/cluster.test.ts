import http from 'node:http'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import SQLite from 'better-sqlite3'
import { waitFor } from '../helpers/wait.js'
import { agoraEnv, freePort, request, signUp, startAgora, tempDir, waitReady, type Answer } from './helpers.js'

const WRITES = 2000
const CLIENTS = 8
const USERS_LIST_LIMIT = 7

/** The pids that answered requests, from the workers' request log lines. */
function servingPids (logs: Array<Record<string, unknown>>): Set<unknown> {
  return new Set(logs.filter((l) => l.msg === 'request completed').map((l) => l.pid))
}

function sumOf (metrics: string, pattern: RegExp): number {
  return metrics.split('\n').filter((line) => pattern.test(line)).reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}

describe('agora serve --workers 2 (SQLite)', () => {
  it('writes from several clients all land, limits and metrics span the workers, a dead worker is replaced', async (t: TestContext) => {
    const dir = tempDir(t, 'cluster')
    const port = await freePort()
    const server = startAgora(t, ['serve', '--workers', '2'], agoraEnv(dir, port, { RATE_LIMIT_USERS_LIST: `${USERS_LIST_LIMIT}/minute` }), dir)
    await waitReady(port)
    const token = await signUp(port, 'ops@example.com')

    // A burst of concurrent writes, each client on its own keep-alive connections.
    const agents = Array.from({ length: CLIENTS }, () => new http.Agent({ keepAlive: true, maxSockets: 16 }))
    t.after(() => { for (const agent of agents) agent.destroy() })
    const answers = await Promise.all(Array.from({ length: WRITES }, async (_, n): Promise<Answer> =>
      await request(port, 'POST', '/api/v1/products', {
        agent: agents[n % CLIENTS], token, body: { name: `product ${n}`, price: 1.5, quantity: n }
      })))
    const failed = answers.filter((a) => a.status !== 201)
    t.assert.deepStrictEqual(failed.map((a) => `${a.status} ${a.body}`).slice(0, 5), [], 'every write acknowledged')
    const acknowledged = answers.map((a) => (JSON.parse(a.body) as { id: number }).id)
    const db = new SQLite(join(dir, 'agora.db'), { readonly: true })
    const stored = new Set(db.prepare('select id from products').pluck().all() as number[])
    db.close()
    t.assert.strictEqual(acknowledged.filter((id) => !stored.has(id)).length, 0, 'every acknowledged row is in the database')
    t.assert.strictEqual(servingPids(server.logs).size, 2, 'both workers served')

    // A limit of N passes N requests, whichever worker each lands on.
    const listed = await Promise.all(Array.from({ length: USERS_LIST_LIMIT + 5 }, async () => await request(port, 'GET', '/api/v1/users', { token })))
    t.assert.strictEqual(listed.filter((a) => a.status === 200).length, USERS_LIST_LIMIT)
    t.assert.strictEqual(listed.filter((a) => a.status === 429).length, 5)

    const metrics = (await request(port, 'GET', '/metrics')).body
    t.assert.strictEqual(sumOf(metrics, /^http_requests_total\{method="POST",route="\/api\/v1\/products",status_code="201"\}/), WRITES)

    // A worker killed outright is replaced.
    const before = servingPids(server.logs)
    const victim = [...before][0] as number
    process.kill(victim, 'SIGKILL')
    await waitFor(() => server.logs.some((l) => l.msg === 'worker died; starting another'), 10_000, 'the primary to notice')
    await waitFor(async () => {
      await request(port, 'GET', '/health').catch(() => undefined)
      const pids = servingPids(server.logs)
      return pids.size === 3 && !pids.has(undefined)
    }, 30_000, 'a new worker to serve')

    server.child.kill('SIGTERM')
    t.assert.deepStrictEqual(await server.exited, { code: 0, signal: null })
  })
})

describe('agora serve signals', () => {
  it('a second signal ends a draining server at once', async (t: TestContext) => {
    const dir = tempDir(t, 'second-signal')
    const port = await freePort()
    const server = startAgora(t, ['serve'], agoraEnv(dir, port, { SHUTDOWN_DRAIN_MS: '60000' }), dir)
    await waitReady(port)
    server.child.kill('SIGTERM')
    await waitFor(() => server.logs.some((l) => l.msg === 'draining before shutdown'), 5000, 'the drain to start')
    const signalled = Date.now()
    server.child.kill('SIGINT')
    t.assert.deepStrictEqual(await server.exited, { code: 1, signal: null })
    t.assert.ok(Date.now() - signalled < 2000, 'not after the drain')
  })
})
