import { ID_PATTERN } from '../schemas/common.js'

type Json = null | boolean | number | string | Json[] | JsonObject
interface JsonObject { [key: string]: Json }
type Schema = JsonObject

/** The parts of an OpenAPI document that `publishDocument` reads and rewrites. */
export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>
  components?: { schemas?: Record<string, Schema> }
}

interface Operation {
  parameters?: Array<{ in: string, required?: boolean, schema?: Schema }>
  requestBody?: { content?: Record<string, { schema?: Schema }> }
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>
}

// Keywords only Agora's validator reads; not restated as `multipleOf: 0.01` either, which a
// client's floating-point validator would apply to 19.99 and refuse.
const VALIDATOR_ONLY = new Set(['transform', 'x-error', 'maxDecimalPlaces'])

// JSON Schema keywords whose value is a schema, a list of schemas or a map of them; every
// other keyword holds plain values (a property may well be called `transform`).
const SUBSCHEMA = new Set(['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else'])
const SUBSCHEMA_LIST = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems'])
const SUBSCHEMA_MAP = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas'])

function isObject (value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function mapSubschemas (schema: Schema, map: (subschema: Schema) => Schema): Schema {
  const mapped: Schema = {}
  const mapIfSchema = (item: Json): Json => isObject(item) ? map(item) : item
  for (const [key, value] of Object.entries(schema)) {
    if (SUBSCHEMA.has(key) && isObject(value)) mapped[key] = map(value)
    else if (SUBSCHEMA_LIST.has(key) && Array.isArray(value)) mapped[key] = value.map(mapIfSchema)
    else if (SUBSCHEMA_MAP.has(key) && isObject(value)) {
      mapped[key] = Object.fromEntries(Object.entries(value).map(([name, item]) => [name, mapIfSchema(item)]))
    } else mapped[key] = value
  }
  return mapped
}

// `{type: 'string', enum: ['name']}`: what a TypeBox literal is published as.
function literalOf (schema: Json): string | undefined {
  if (!isObject(schema) || schema.type !== 'string' || !Array.isArray(schema.enum) || schema.enum.length !== 1) return undefined
  if (Object.keys(schema).some((key) => key !== 'type' && key !== 'enum')) return undefined
  return typeof schema.enum[0] === 'string' ? schema.enum[0] : undefined
}

// 2^63 − 1, the largest id, as near as a double gets (JSON shows it as 9223372036854776000).
const MAX_ID = Number('9223372036854775807')

// As a client should read it: validator-only keywords go, a text id is the integer it spells,
// a union of string literals is one `enum`, and a property with a default is not required.
export function publishSchema (schema: Schema): Schema {
  if (schema.type === 'string' && schema.pattern === ID_PATTERN) {
    return { type: 'integer', format: 'int64', minimum: 1, maximum: MAX_ID, ...(schema.description === undefined ? {} : { description: schema.description }) }
  }
  const published = mapSubschemas(schema, publishSchema)
  for (const key of VALIDATOR_ONLY) delete published[key]

  const literals = Array.isArray(published.anyOf) ? published.anyOf.map(literalOf) : []
  if (literals.length > 0 && literals.every((literal) => literal !== undefined)) {
    const { anyOf, ...annotations } = published
    return { type: 'string', enum: literals, ...annotations }
  }

  const { properties, required } = published
  if (isObject(properties) && Array.isArray(required)) {
    const stillRequired = required.filter((name) => typeof name === 'string' && !(isObject(properties[name]) && 'default' in properties[name]))
    if (stillRequired.length > 0) published.required = stillRequired
    else delete published.required
  }
  return published
}

// Keys sorted: equal for schemas that say the same.
function canonical (value: Json): string {
  return JSON.stringify(value, (key, item: Json) => isObject(item)
    ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
    : item)
}

function referToComponents (schema: Schema, names: Map<string, string>): Schema {
  const name = names.get(canonical(schema))
  if (name !== undefined) return { $ref: `#/components/schemas/${name}` }
  return mapSubschemas(schema, (subschema) => referToComponents(subschema, names))
}

function operationSchemas (operation: Operation): Array<{ schema?: Schema }> {
  const contents = [
    ...Object.values(operation.requestBody?.content ?? {}),
    ...Object.values(operation.responses ?? {}).flatMap((response) => Object.values(response.content ?? {}))
  ]
  return [...(operation.parameters ?? []), ...contents]
}

function publishOperation (original: Operation, names: Map<string, string>): Operation {
  const operation = structuredClone(original)
  for (const parameter of operation.parameters ?? []) {
    if (parameter.schema !== undefined && 'default' in parameter.schema) parameter.required = false
  }
  for (const slot of operationSchemas(operation)) {
    if (slot.schema !== undefined) slot.schema = referToComponents(publishSchema(slot.schema), names)
  }
  return operation
}

// The order in which readers (and linters) expect a path's operations.
const METHOD_ORDER = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options', 'trace']
const byMethodOrder = ([a]: [string, unknown], [b]: [string, unknown]): number =>
  METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b)

/** Every schema as `publishSchema` gives it, named components as `$ref`s; throws when two components say the same. */
export function publishDocument<T extends OpenApiDocument> (document: T): T {
  const components = Object.fromEntries(
    Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => [name, publishSchema(schema)])
  )
  const names = new Map<string, string>()
  for (const [name, schema] of Object.entries(components)) {
    const other = names.get(canonical(schema))
    if (other !== undefined) throw new Error(`OpenAPI components ${other} and ${name} are the same schema`)
    names.set(canonical(schema), name)
  }

  const paths = Object.fromEntries(Object.entries(document.paths ?? {}).map(([path, item]) => [path, Object.fromEntries(
    Object.entries(item).sort(byMethodOrder).map(([method, operation]) => [method, publishOperation(operation, names)])
  )]))

  const schemas = Object.fromEntries(Object.entries(components).map(([name, schema]) =>
    [name, mapSubschemas(schema, (subschema) => referToComponents(subschema, names))]))
  return { ...document, paths, components: { ...document.components, schemas } }
}
