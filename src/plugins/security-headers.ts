import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

/**
 * The content security policy of every response but the docs pages: the API serves JSON
 * and files, never a page that should load, run or frame anything. `/docs` and `/redoc`
 * set their own (plugins/openapi.ts).
 */
export const API_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"]
}

/** helmet's configuration: the source of every security header's value. */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: API_CSP_DIRECTIVES },
  // same-site rather than helmet's same-origin: a front end on another port of the
  // same host (CORS_ORIGINS' default) may show uploads in an <img>.
  crossOriginResourcePolicy: { policy: 'same-site' }
}

/**
 * The headers helmet sets with `options`, read by running its middleware once against a
 * response that only records them. None of our options depends on the request, so the
 * result holds for every response, and helmet stays the source of every value.
 */
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

/**
 * helmet's headers for every response: computed once at boot, set in one call per
 * request, and also written by the answers made outside Fastify's hooks
 * (errors/raw-answers.ts, handed them by app.ts).
 */
export const SECURITY_HEADERS = helmetHeaders(HELMET_OPTIONS)

/**
 * helmet's headers on every response, errors and preflights included: the strict CSP
 * above, HSTS, nosniff, no referrer, no framing. Set in onRequest so that a handler (the
 * docs pages) can still replace the CSP with its own.
 * @see https://helmetjs.github.io/
 */
export default fp(async function securityHeaders (fastify) {
  fastify.addHook('onRequest', function (request, reply, done) {
    reply.headers(SECURITY_HEADERS)
    done()
  })
}, { name: 'security-headers' })
