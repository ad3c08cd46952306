import cors from '@fastify/cors'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'

export function corsOrigins (value: string): string[] {
  return value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '')
}

/** @see https://github.com/fastify/fastify-cors */
export default fp<{ config: Config }>(async function corsPlugin (fastify, { config }) {
  const allowed = new Set(corsOrigins(config.CORS_ORIGINS))
  await fastify.register(cors, {
    // A function rather than the list: with a list, a refused origin would still get
    // Access-Control-Allow-Credentials and the preflight headers.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['Location', 'ETag', 'Retry-After', 'X-Request-ID', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
    maxAge: 600
  })
}, { name: 'cors' })
