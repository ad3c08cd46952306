import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

// The CSP of every response but the docs pages (which set their own): nothing may load, run or frame.
export const API_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"]
}

export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: API_CSP_DIRECTIVES },
  // same-site rather than helmet's same-origin: a front end on another port of the
  // same host (CORS_ORIGINS' default) may show uploads in an <img>.
  crossOriginResourcePolicy: { policy: 'same-site' }
}

// Recorded by running helmet's middleware once: none of its headers depends on the request.
export function helmetHeaders (options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader (name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
    },
    removeHeader (name: string) {
      delete headers[name.toLowerCase()]
    }
  }
  let failure: unknown
  const response = recorder as unknown as ServerResponse
  helmet(options)({} as IncomingMessage, response, (error?: unknown) => { failure = error })
  if (failure !== undefined) throw failure
  return Object.freeze(headers)
}

/** helmet's headers, computed once: set per request here, and by errors/raw-answers.ts. */
export const SECURITY_HEADERS = helmetHeaders(HELMET_OPTIONS)

/** In onRequest, so that a handler (the docs pages) can still replace the CSP. @see https://helmetjs.github.io/ */
export default fp(async function securityHeaders (fastify) {
  fastify.addHook('onRequest', function (request, reply, done) {
    reply.headers(SECURITY_HEADERS)
    done()
  })
}, { name: 'security-headers' })
