import { connect } from 'node:net'

export interface RawReply {
  status: number
  headers: Map<string, string>
  body: string
}

/** Writes `request` as raw bytes and reads the one answer the server sends. */
export async function sendRaw (base: string, request: string | Buffer): Promise<RawReply> {
  const { hostname, port } = new URL(base)
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    let reply = ''
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no answer within 5 s')) }, 5000)
    socket.setEncoding('latin1')
    socket.on('connect', () => socket.write(request))
    socket.on('data', (chunk: string) => {
      reply += chunk
      // An answer with a body is complete once Content-Length bytes have come.
      const [head = '', body] = reply.split('\r\n\r\n', 2)
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1]
      if (body !== undefined && length !== undefined && Buffer.byteLength(body, 'latin1') >= Number(length)) {
        clearTimeout(timer)
        socket.destroy()
        resolve(reply)
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => { clearTimeout(timer); resolve(reply) })
  })
  const [head = '', body = ''] = text.split('\r\n\r\n', 2)
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers = new Map(lines.map((line) => {
    const at = line.indexOf(':')
    return [line.slice(0, at).toLowerCase(), line.slice(at + 1).trim()]
  }))
  return { status: Number(statusLine.split(' ')[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8') }
}
