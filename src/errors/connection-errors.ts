// SQLSTATEs of a server or connection gone, not a bad query: admin or crash shutdown, "starting up",
// too many connections, and class 08.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300'])
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'SQLITE_BUSY'])
// node-postgres raises these as plain Errors, without a code.
const PG_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'is not queryable',
  'Query read timeout'
]

/** The database was out of reach (a restart, a killed connection, a full pool): a retry may work, so 503, not 500. */
export function isConnectionError (error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || NETWORK_CODES.has(code))) return true
    if (PG_MESSAGES.some((text) => e instanceof Error && e.message.includes(text))) return true
  }
  return false
}
