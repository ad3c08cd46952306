import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'

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

/**
 * helmet's headers on every response, errors and preflights included: the strict CSP
 * above, HSTS, nosniff, no referrer, no framing.
 * @see https://github.com/fastify/fastify-helmet
 */
export default fp(async function securityHeaders (fastify) {
  await fastify.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP_DIRECTIVES },
    // same-site rather than helmet's same-origin: a front end on another port of the
    // same host (CORS_ORIGINS' default) may show uploads in an <img>.
    crossOriginResourcePolicy: { policy: 'same-site' }
  })
}, { name: 'security-headers' })
