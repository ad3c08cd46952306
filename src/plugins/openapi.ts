import { createReadStream } from 'node:fs'
import { createRequire } from 'node:module'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

const require = createRequire(import.meta.url)

const REDOC_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Agora API – ReDoc</title>
  </head>
  <body>
    <div id="redoc"></div>
    <script src="/redoc/redoc.standalone.js"></script>
    <script src="/redoc/init.js"></script>
  </body>
</html>
`
// A separate file rather than an inline script, so a strict content security policy holds.
const REDOC_INIT = "Redoc.init('/openapi.json', {}, document.getElementById('redoc'))\n"
// The bundle's sidebar footer loads its logo from cdn.redoc.ly: the page stays on this
// server, so no visitor's browser calls out (ReDoc hides the image when it cannot load).
const REDOC_CSP = [
  "default-src 'self'", "img-src 'self' data:", "style-src 'self' 'unsafe-inline'", "font-src 'self' data:",
  "worker-src 'self' blob:", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"
].join('; ')
// Swagger UI loads its scripts from /docs/static and calls the API from the page; its
// components set inline styles.
const SWAGGER_UI_CSP = [
  "default-src 'self'", "script-src 'self'", "script-src-attr 'none'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "font-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"
].join('; ')

/**
 * The OpenAPI 3.1 document built from the route schemas, Swagger UI at /docs and ReDoc
 * at /redoc, every asset served from node_modules so both work offline.
 * @see https://github.com/fastify/fastify-swagger
 */
export default fp(async function openapi (fastify) {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Agora API',
        version: '1.0.0',
        description: 'Users, products, posts and uploads. Every `/api/v1` route is also served without the prefix.'
      },
      components: {
        securitySchemes: {
          OAuth2PasswordBearer: { type: 'oauth2', flows: { password: { tokenUrl: '/api/v1/login', scopes: {} } } }
        }
      }
    }
  })
  await fastify.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: false }, staticCSP: SWAGGER_UI_CSP })

  // Streamed from disk for each (rare) visit rather than held in memory: it is a megabyte.
  const redocBundle = require.resolve('redoc/bundles/redoc.standalone.js')
  const hidden = { schema: { hide: true } }
  fastify.get('/openapi.json', hidden, async () => fastify.swagger())
  fastify.get('/redoc', hidden, async (request, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', REDOC_CSP).send(REDOC_PAGE))
  fastify.get('/redoc/init.js', hidden, async (request, reply) => reply.type('application/javascript').send(REDOC_INIT))
  fastify.get('/redoc/redoc.standalone.js', hidden, async (request, reply) =>
    reply.type('application/javascript').header('cache-control', 'public, max-age=86400').send(createReadStream(redocBundle)))
}, { name: 'openapi' })
