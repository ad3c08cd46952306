import { PROBLEM_JSON, toProblem } from './modules/v2/problem-details.js'
import { SECURITY_HEADERS } from './plugins/security-headers.js'

export interface ErrorAnswer {
  headers: Record<string, string>
  body: string
}

/** True for a request target under /api/v2, whose errors are problem details. */
export function isV2Target (target: string): boolean {
  return /^\/api\/v2(?:[/?#]|$)/.test(target)
}

/**
 * The headers and body of an error answered where Fastify's hooks do not run (Node's
 * client errors, the router's refusals, an unmet `Expect`): the contract's body for
 * `target` (a problem detail under /api/v2, `{detail}` elsewhere), the security headers
 * every response carries, and the request id.
 */
export function errorAnswer (target: string, status: number, detail: string, requestId: string): ErrorAnswer {
  const v2 = isV2Target(target)
  const body = JSON.stringify(v2 ? toProblem(status, detail, target.split(/[?#]/, 1)[0] ?? '/') : { detail })
  return {
    headers: {
      ...SECURITY_HEADERS,
      'content-type': v2 ? `${PROBLEM_JSON}; charset=utf-8` : 'application/json; charset=utf-8',
      'x-request-id': requestId
    },
    body
  }
}
