import type { TSchema } from '@sinclair/typebox'

/** A response schema with the description that OpenAPI gives its status on this route. */
export function described<T extends TSchema> (description: string, schema: T): T {
  return { ...schema, 'x-response-description': description }
}
