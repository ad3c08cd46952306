import { once } from 'node:events'
import { connect } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { findUserById } from '../../src/modules/users/users.repository.js'
import { buildTestApp } from '../helpers/build-app.js'

/** Sends `paths` on one connection in one write (pipelined), and resolves with all the bytes of their answers. */
async function pipelined (base: string, paths: string[]): Promise<string> {
  const { hostname, port } = new URL(base)
  const socket = connect({ host: hostname, port: Number(port) })
  await once(socket, 'connect')
  const last = paths.length - 1
  socket.write(paths.map((path, index) =>
    `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${index === last ? 'Connection: close\r\n' : ''}\r\n`).join(''))
  let text = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => { text += chunk })
  await once(socket, 'close')
  return text
}

/** Records, for each answer, when Fastify goes on past the plugin's onSend hook to write it. */
function recordWrites (app: FastifyInstance, events: string[]): void {
  app.addHook('onSend', async (request) => { events.push(`written ${request.url}`) })
}

describe('answers together', () => {
  it('holds an answer until the I/O of the turn that made it is served', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const events: string[] = []
    app.get('/test/now', async () => {
      setImmediate(() => events.push('immediate'))
      return { ok: true }
    })
    recordWrites(app, events)
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const response = await fetch(`${base}/test/now`)
    t.assert.deepStrictEqual(await response.json(), { ok: true })
    // The handler's immediate was queued before the answer was held: it runs first.
    t.assert.deepStrictEqual(events, ['immediate', 'written /test/now'])
  })

  it('writes the answers of requests that arrived together back to back, each in its own order and body', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const events: string[] = []
    app.get('/test/echo/:word', async (request) => {
      const { word } = request.params as { word: string }
      setImmediate(() => events.push(`immediate ${word}`))
      return { word }
    })
    recordWrites(app, events)
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const text = await pipelined(base, ['/test/echo/one', '/test/echo/two', '/test/echo/three'])
    const bodies = [...text.matchAll(/\{"word":"(\w+)"\}/g)].map((match) => match[1])
    t.assert.deepStrictEqual(bodies, ['one', 'two', 'three'])
    t.assert.strictEqual(text.match(/HTTP\/1\.1 200 OK/g)?.length, 3)
    // Node hands the three to their handlers in one callback; unheld, each would be written before any immediate.
    t.assert.deepStrictEqual(events, [
      'immediate one', 'immediate two', 'immediate three',
      'written /test/echo/one', 'written /test/echo/two', 'written /test/echo/three'
    ])
  })

  it('writes an answer that a group of reads released at the end of the same turn, not the next', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const events: string[] = []
    let nextTurn!: Promise<void>
    app.get('/test/read', async () => {
      // On SQLite a read by id waits for the end of the turn, with the others of that turn.
      await findUserById(app.db, 1)
      nextTurn = new Promise((resolve) => setImmediate(() => {
        events.push('next turn')
        resolve()
      }))
      return { ok: true }
    })
    recordWrites(app, events)
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const response = await fetch(`${base}/test/read`)
    t.assert.strictEqual(response.status, 200)
    await nextTurn
    t.assert.deepStrictEqual(events, ['written /test/read', 'next turn'])
  })

  it('leaves a failure after the hold to the error handler: the answer is a 500, not a hang', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    app.get('/test/fails-late', async () => ({ ok: true }))
    let failed = false
    // Once: the error handler's own answer goes through the onSend hooks again.
    app.addHook('onSend', async (request) => {
      if (request.url !== '/test/fails-late' || failed) return
      failed = true
      throw new Error('broken after the hold')
    })
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const response = await fetch(`${base}/test/fails-late`)
    t.assert.strictEqual(response.status, 500)
    t.assert.deepStrictEqual(await response.json(), { detail: 'Internal server error' })
  })
})
