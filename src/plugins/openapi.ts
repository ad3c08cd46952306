import swagger from '@fastify/swagger'
import type { TSchema } from '@sinclair/typebox'
import fp from 'fastify-plugin'
import { API_DESCRIPTION, API_TAGS } from './openapi-description.js'
import { publishDocument, type OpenApiDocument } from './openapi-document.js'

export interface OpenApiOptions {
  /** The named shapes of the API (src/api-components.ts): each is a component schema. */
  components: Record<string, TSchema>
}

/** @see https://github.com/fastify/fastify-swagger */
export default fp<OpenApiOptions>(async function openapi (fastify, { components }) {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Agora API',
        version: '1.0.0',
        description: API_DESCRIPTION,
        license: { name: 'MIT', identifier: 'MIT' }
      },
      // Relative: the document names whichever host and port served it.
      servers: [{ url: '/', description: 'The server that serves this document' }],
      tags: API_TAGS,
      components: {
        securitySchemes: {
          OAuth2PasswordBearer: { type: 'oauth2', flows: { password: { tokenUrl: '/api/v1/login', scopes: {} } } }
        },
        schemas: components
      }
    },
    transformObject: (documentObject) => publishDocument(('openapiObject' in documentObject ? documentObject.openapiObject : {}) as OpenApiDocument)
  })

  fastify.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger())
}, { name: 'openapi' })
