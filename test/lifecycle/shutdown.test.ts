import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { Socket, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import type { FastifyError } from 'fastify'
import pino from 'pino'
import { loadConfig, workerCount, ConfigError } from '../../src/config.js'
import { isConnectionError } from '../../src/errors/connection-errors.js'
import { stopListening } from '../../src/lifecycle/shutdown.js'
import { classifyError } from '../../src/errors/error-handler.js'
import { createRedisCircuit } from '../../src/plugins/redis-circuit.js'
import { buildTestApp } from '../helpers/build-app.js'

const coded = (code: string, message = 'failed'): Error => Object.assign(new Error(message), { code })

// Opens connections, sends a request on each, writes the marker file once every request is
// written, and prints each connection's status and Connection header (or its error) when all end.
const CLIENT = `
const net = require('node:net'), fs = require('node:fs')
const [port, marker, count] = process.argv.slice(1).map((arg, i) => i === 1 ? arg : Number(arg))
const answers = []
let written = 0
for (let i = 0; i < count; i++) {
  let text = ''
  const socket = net.connect(port, '127.0.0.1', () => {
    socket.write('GET /health HTTP/1.1\\r\\nHost: agora\\r\\n\\r\\n', () => { if (++written === count) fs.writeFileSync(marker, '') })
  })
  socket.on('data', (chunk) => { text += chunk })
  socket.on('error', (error) => { answers[i] = error.code })
  socket.on('close', () => {
    answers[i] ??= (text.split(' ')[1] ?? 'no answer') + ' ' + (/^connection: (.*)$/im.exec(text)?.[1]?.trim() ?? '-')
  })
}
process.on('exit', () => { console.log(JSON.stringify(answers)) })
`

/** Blocks the event loop, as a busy one would be, until `done` or `limitMs`. */
function blockUntil (done: () => boolean, limitMs: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4))
  const giveUpAt = Date.now() + limitMs
  while (!done() && Date.now() < giveUpAt) Atomics.wait(pause, 0, 0, 5)
}

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

  it('closes the connections it takes as it stops listening, and the others only once it no longer listens', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const [taken, pooled] = [new Socket(), new Socket()]
    const request = (socket: Socket): IncomingMessage => ({ socket }) as IncomingMessage
    app.drain.closeConnection(taken)
    t.assert.deepStrictEqual([app.drain.closes(request(taken)), app.drain.closes(request(pooled))], [true, false])
    app.drain.closeConnections()
    t.assert.strictEqual(app.drain.closes(request(pooled)), true)
  })

  it('answers the connections waiting to be accepted when it stops listening, rather than resetting them', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    await app.listen({ host: '127.0.0.1', port: 0 })
    const dir = mkdtempSync(join(tmpdir(), 'agora-backlog-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const marker = join(dir, 'written')
    const connections = 20
    const { port } = app.server.address() as AddressInfo
    const client = spawn(process.execPath, ['-e', CLIENT, String(port), marker, String(connections)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let printed = ''
    client.stdout.on('data', (chunk: Buffer) => { printed += chunk.toString() })
    const exited = once(client, 'exit')
    // The kernel accepts the client's connections and takes its requests; this server has not.
    blockUntil(() => existsSync(marker), 10_000)
    t.assert.ok(existsSync(marker), 'the client connected and wrote its requests')
    await stopListening(app, 2_000)
    await exited
    t.assert.deepStrictEqual(JSON.parse(printed), Array.from({ length: connections }, () => '200 close'))
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
