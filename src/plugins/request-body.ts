import type { IncomingHttpHeaders } from 'node:http'

/** Whether the request's head announces a body: chunked, or a non-zero Content-Length. */
export function announcesBody (headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')
}
