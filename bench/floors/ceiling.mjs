// The ceiling: the fastest a Node.js process answers a small JSON over HTTP on this machine.
// Plain JavaScript, so that no TypeScript loader stands in the way.
import { createServer } from 'node:http'

const BODY = JSON.stringify({ status: 'ok' })

createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(BODY) })
  response.end(BODY)
}).listen(Number(process.env.PORT), '127.0.0.1')

process.on('SIGTERM', () => process.exit(0))
