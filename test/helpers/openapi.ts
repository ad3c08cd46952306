import type { FastifyInstance } from 'fastify'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export interface Schema { [key: string]: Json }

export interface OperationObject {
  operationId?: string
  tags?: string[]
  security?: Array<Record<string, string[]>>
  parameters?: Array<{ in: string, name: string, required?: boolean, schema?: Schema }>
  requestBody?: { content: Record<string, { schema: Schema }> }
  responses?: Record<string, { description?: string, content?: Record<string, { schema: Schema }> }>
}

/** The parts of an OpenAPI document that the tests read. */
export interface OpenApi {
  info: { description?: string, license?: Json }
  servers: Array<{ url: string }>
  tags: Array<{ name: string, description?: string }>
  paths: Record<string, Record<string, OperationObject>>
  components: { schemas: Record<string, Schema> }
}

/** The document `app` serves at /openapi.json. */
export async function openApiDocument (app: FastifyInstance): Promise<OpenApi> {
  return (await app.inject({ url: '/openapi.json' })).json<OpenApi>()
}

/** Every operation of `document`, with its method (upper case) and path. */
export function operationsOf (
  document: { paths: Record<string, Record<string, OperationObject>> }
): Array<{ method: string, path: string, operation: OperationObject }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })))
}

/**
 * `document` with every `#/components/schemas/…` reference replaced by the schema it names,
 * for code that reads a route's shapes where they are used.
 */
export function dereference<T> (document: T): T {
  const schemas = (document as { components?: { schemas?: Record<string, Json> } }).components?.schemas ?? {}
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve)
    if (value === null || typeof value !== 'object') return value
    if (typeof value.$ref === 'string' && value.$ref.startsWith('#/components/schemas/')) {
      return resolve(schemas[value.$ref.slice('#/components/schemas/'.length)] ?? null)
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item)]))
  }
  return resolve(document as Json) as T
}
