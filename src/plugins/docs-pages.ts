import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { FAVICON_ICO, FAVICON_SVG } from './favicon.js'

const require = createRequire(import.meta.url)

const TITLE = 'Agora API'

const REDOC_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${TITLE} – ReDoc</title>
    <link rel="icon" type="image/svg+xml" href="/favicon.svg">
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
const REDOC_CSP = [
  "default-src 'self'", "img-src 'self' data:", "style-src 'self' 'unsafe-inline'", "font-src 'self' data:",
  "worker-src 'self' blob:", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"
].join('; ')
// The docs make no request beyond this server: the sidebar's logo from Redocly's CDN becomes an empty image.
const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg'
const EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"

// Swagger UI's page calls the API, and its components set inline styles.
const SWAGGER_UI_CSP = [
  "default-src 'self'", "script-src 'self'", "script-src-attr 'none'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "font-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"
].join('; ')

/** @see https://github.com/fastify/fastify-swagger-ui */
export default fp(async function docsPages (fastify) {
  await fastify.register(swaggerUi, {
    routePrefix: '/docs',
    // BaseLayout: without the top bar's Swagger logo and box to explore another document.
    uiConfig: { layout: 'BaseLayout', persistAuthorization: false },
    theme: {
      title: `${TITLE} – Swagger UI`,
      favicon: [{ filename: 'favicon.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: FAVICON_SVG }]
    },
    staticCSP: SWAGGER_UI_CSP
  })

  const hidden = { schema: { hide: true } }
  const redocBundle = require.resolve('redoc/bundles/redoc.standalone.js')
  fastify.get('/redoc', hidden, async (request, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', REDOC_CSP).send(REDOC_PAGE))
  fastify.get('/redoc/init.js', hidden, async (request, reply) => reply.type('application/javascript').send(REDOC_INIT))
  // Read for each (rare) visit rather than held in memory: it is a megabyte.
  fastify.get('/redoc/redoc.standalone.js', hidden, async (request, reply) => {
    const bundle = (await readFile(redocBundle, 'utf8')).replace(REDOC_CDN_LOGO, EMPTY_IMAGE)
    return reply.type('application/javascript').header('cache-control', 'public, max-age=86400').send(bundle)
  })

  const day = 'public, max-age=86400'
  fastify.get('/favicon.svg', hidden, async (request, reply) => reply.type('image/svg+xml').header('cache-control', day).send(FAVICON_SVG))
  fastify.get('/favicon.ico', hidden, async (request, reply) => reply.type('image/x-icon').header('cache-control', day).send(FAVICON_ICO))
}, { name: 'docs-pages', dependencies: ['openapi'] })
