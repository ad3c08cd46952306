import { describe, it, type TestContext } from 'node:test'
import type { FastifyError } from 'fastify'
import pino from 'pino'
import { loadConfig, workerCount, ConfigError } from '../../src/config.js'
import { isConnectionError } from '../../src/errors/connection-errors.js'
import { classifyError } from '../../src/errors/error-handler.js'
import { createRedisCircuit } from '../../src/plugins/redis-circuit.js'
import { buildTestApp } from '../helpers/build-app.js'

const coded = (code: string, message = 'failed'): Error => Object.assign(new Error(message), { code })

describe('draining', () => {
  it('answers /ready 503 with Retry-After and {detail}, and closes every connection after its response once it stops listening', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    app.drain.start()
    const ready = await app.inject({ url: '/ready' })
    t.assert.strictEqual(ready.statusCode, 503)
    t.assert.strictEqual(ready.headers['retry-after'], '5')
    t.assert.deepStrictEqual(ready.json(), { detail: 'Service unavailable: shutting down' })
    // Still keeping connections: a proxy would open a new one for each closed (plugins/drain.ts).
    const draining = await app.inject({ url: '/health' })
    t.assert.deepStrictEqual([draining.statusCode, draining.headers.connection], [200, 'keep-alive'])
    app.drain.closeConnections()
    const served = await app.inject({ url: '/health' })
    t.assert.deepStrictEqual([served.statusCode, served.headers.connection], [200, 'close'])
  })
})

describe('connection errors', () => {
  it('tells a lost or refused database connection from a failed query', (t: TestContext) => {
    for (const error of [coded('57P01'), coded('08006'), coded('ECONNREFUSED'), coded('ECONNRESET'), coded('SQLITE_BUSY'),
      new Error('timeout exceeded when trying to connect'), new Error('Connection terminated unexpectedly'),
      new Error('wrapped', { cause: coded('57P01') })]) {
      t.assert.ok(isConnectionError(error), error.message)
    }
    for (const error of [coded('23505'), coded('42P01'), new Error('boom'), 'text', undefined]) t.assert.ok(!isConnectionError(error))
  })

  it('answers them 503 with Retry-After, not 500', (t: TestContext) => {
    const classified = classifyError(coded('57P01', 'terminating connection due to administrator command') as FastifyError)
    t.assert.deepStrictEqual([classified.statusCode, classified.headers['retry-after']], [503, '1'])
    t.assert.strictEqual(classifyError(new Error('boom') as FastifyError).statusCode, 500)
  })
})

describe('the Redis circuit', () => {
  it('fails at once after a failure, and closes when a background ping answers', async (t: TestContext) => {
    let up = false
    const client = { ping: async () => { if (!up) throw new Error('Command timed out'); return 'PONG' } }
    const circuit = createRedisCircuit(client as never, pino({ level: 'silent' }))
    t.after(() => circuit.stop())
    await t.assert.rejects(circuit.run(async () => await client.ping()), /timed out/)
    t.assert.ok(circuit.open)
    const started = performance.now()
    await t.assert.rejects(circuit.run(async () => await new Promise(() => {})), /Redis does not answer/)
    t.assert.ok(performance.now() - started < 50, 'no wait while open')
    up = true
    await new Promise((resolve) => setTimeout(resolve, 1200))
    t.assert.ok(!circuit.open)
    t.assert.strictEqual(await circuit.run(async () => await client.ping()), 'PONG')
  })
})

describe('WORKERS', () => {
  it('is a number of processes or auto, one per core', (t: TestContext) => {
    t.assert.strictEqual(workerCount(loadConfig({})), 1)
    t.assert.strictEqual(workerCount(loadConfig({ WORKERS: '3' })), 3)
    t.assert.strictEqual(workerCount(loadConfig({ WORKERS: 'auto' }), 8), 8)
    for (const bad of ['0', '-1', 'all', '2.5']) t.assert.throws(() => loadConfig({ WORKERS: bad }), ConfigError)
  })
})
