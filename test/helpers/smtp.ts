import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { Worker } from 'node:worker_threads'
import { SMTPServer } from 'smtp-server'
import type { Cleanup } from './build-app.js'

export interface ReceivedMail {
  from: string
  to: string[]
  raw: string
  /** `raw` with quoted-printable soft breaks and escapes undone, for reading the bodies. */
  decoded: string
}

function decodeQuotedPrintable (raw: string): string {
  const bytes = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  return Buffer.from(bytes, 'latin1').toString('utf8')
}

export interface TestSmtpServer {
  port: number
  /** `smtp://` URL of the server, with the credentials when it wants them. */
  url: string
  received: ReceivedMail[]
  /** Every DATA the server was offered, accepted or not. */
  offers: number
  close (): Promise<void>
}

export interface SmtpServerOptions {
  /** The reply to the n-th message offered (1-based): a 4xx/5xx code to refuse it, undefined to take it. */
  refuse?: (offer: number) => number | undefined
  auth?: { user: string, pass: string }
  port?: number
}

/** A real SMTP server on 127.0.0.1 (no TLS), closed by `t.after`. */
export async function startSmtpServer (t: Cleanup, options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = []
  const state = { offers: 0 }
  const server = new SMTPServer({
    disabledCommands: options.auth === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: options.auth === undefined,
    logger: false,
    onAuth (auth, _session, callback) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.pass) {
        callback(null, { user: auth.username })
      } else callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }))
    },
    onData (stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        state.offers += 1
        const code = options.refuse?.(state.offers)
        if (code !== undefined) {
          callback(Object.assign(new Error(code >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: code }))
          return
        }
        const raw = Buffer.concat(chunks).toString('utf8')
        received.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          decoded: decodeQuotedPrintable(raw)
        })
        callback()
      })
    }
  })
  server.listen(options.port ?? 0, '127.0.0.1')
  await once(server.server, 'listening')
  const port = (server.server.address() as AddressInfo).port
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  t.after(close)
  const credentials = options.auth === undefined ? '' : `${options.auth.user}:${options.auth.pass}@`
  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    received,
    get offers () { return state.offers },
    close
  }
}

export interface SilentServer {
  port: number
  /** How long each connection stayed open before the client gave up, in ms. */
  connections: Array<{ openedAt: number, closedAt?: number }>
}

/** A TCP server that accepts connections and never says a word, closed by `t.after`. */
export async function startSilentServer (t: Cleanup): Promise<SilentServer> {
  // In a thread of its own: the times it notes are not held up by the event loop of the
  // app under test, which may be busy just as a connection arrives.
  const worker = new Worker(SILENT_SERVER, { eval: true })
  const connections: SilentServer['connections'] = []
  worker.on('message', (event: SilentServerEvent) => {
    if (event.type === 'open') connections[event.id] = { openedAt: event.at }
    else if (event.type === 'close') connections[event.id]!.closedAt = event.at
  })
  const [listening] = await once(worker, 'message') as [SilentServerEvent]
  t.after(async () => { await worker.terminate() })
  if (listening.type !== 'listening') throw new Error('the silent server did not start')
  return { port: listening.port, connections }
}

type SilentServerEvent =
  | { type: 'listening', port: number }
  | { type: 'open' | 'close', id: number, at: number }

const SILENT_SERVER = `
  const { createServer } = require('node:net')
  const { parentPort } = require('node:worker_threads')
  let next = 0
  const server = createServer((socket) => {
    const id = next++
    parentPort.postMessage({ type: 'open', id, at: Date.now() })
    socket.on('error', () => {})
    socket.on('close', () => parentPort.postMessage({ type: 'close', id, at: Date.now() }))
  })
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'listening', port: server.address().port }))
`

/** A loopback port with nothing listening on it (just now). */
export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
