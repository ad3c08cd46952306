import { Ajv, type Options, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import addKeywords from 'ajv-keywords'
import fastJsonStringify from 'fast-json-stringify'
import fp from 'fastify-plugin'
import { asList } from '../lib/as-list.js'
import { isDeliverableAddress } from '../schemas/email.js'
import { maxDecimalPlacesKeyword } from '../schemas/money.js'

const shared: Options = {
  useDefaults: true,
  allErrors: true, // one 422 entry per problem, as FastAPI reports them
  verbose: true, // keeps the offending value, to tell "missing" from "wrong type"
  allowUnionTypes: true,
  strict: false
}

function createAjv (options: Options): Ajv {
  const ajv = new Ajv({ ...shared, ...options })
  addFormats.default(ajv)
  // Ajv's own `email` takes addresses no mail server would (a 200-character local part).
  ajv.addFormat('email', { type: 'string', validate: isDeliverableAddress })
  // `transform: ['trim']` runs before the length checks, so " a " counts as one character.
  addKeywords.default(ajv, ['transform'])
  // `maxDecimalPlaces: 2` on prices: exact, where `multipleOf: 0.01` suffers float division.
  ajv.addKeyword(maxDecimalPlacesKeyword)
  return ajv
}

// Bodies are JSON: a string is never a number ("price": "9.99" is a 422), and unknown fields are
// dropped so they never take effect. Query strings and paths are text, so they are converted.
// Each Ajv is built when first needed, as building one is slow.
let bodyAjv: Ajv | undefined
let textAjv: Ajv | undefined
const ajvFor = (httpPart: string | undefined): Ajv => httpPart === 'body'
  ? (bodyAjv ??= createAjv({ coerceTypes: false, removeAdditional: 'all' }))
  : (textAjv ??= createAjv({ coerceTypes: 'array', removeAdditional: true }))

// Compiled on first use rather than at boot, to keep the start-up short. `schemaEnv` makes
// Fastify pass the value's parent, as it does to an Ajv function.
function compiledOnFirstUse (compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | undefined
  const validate = ((data, context) => (compiled ??= compile())(data, context)) as ValidateFunction
  Object.defineProperties(validate, {
    errors: { get: () => compiled?.errors },
    schemaEnv: { value: true }
  })
  return validate
}

function serializedOnFirstUse (schema: object): (data: unknown) => string {
  let serialize: ((data: unknown) => string) | undefined
  return (data) => (serialize ??= fastJsonStringify(schema))(data)
}

/** As FastAPI reads scalar parameters: a repeated one keeps its last value, `+` is a space, broken escapes stay. */
export function parseQueryString (query: string): Record<string, string> {
  const params: Record<string, string> = Object.create(null)
  for (const [name, value] of new URLSearchParams(query)) params[name] = value
  return params
}

// pydantic's spellings of a boolean; Python clients send `True` for True.
const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'on', 't'])
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'off', 'f'])

function booleanQueryNames (schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {}
  return Object.entries(properties).filter(([, property]) => property.type === 'boolean').map(([name]) => name)
}

/** @see https://fastify.dev/docs/latest/Reference/Validation-and-Serialization/ */
export default fp(async function validation (fastify) {
  fastify.addHook('onRoute', (route) => {
    const names = booleanQueryNames(route.schema?.querystring)
    if (names.length === 0) return
    // Ajv converts only `true` and `false`; the other spellings are mapped to those first.
    route.preValidation = [async (request) => {
      const query = request.query as Record<string, unknown>
      for (const name of names) {
        const word = typeof query[name] === 'string' ? (query[name] as string).toLowerCase() : undefined
        if (word === undefined) continue
        if (TRUE_WORDS.has(word)) query[name] = 'true'
        else if (FALSE_WORDS.has(word)) query[name] = 'false'
      }
    }, ...asList(route.preValidation)]
  })

  fastify.setValidatorCompiler(({ schema, httpPart, contentType }) => {
    // A multipart form is streamed and checked by its handler; its schema only documents it.
    if (httpPart === 'body' && contentType?.startsWith('multipart/') === true) return () => true
    return compiledOnFirstUse(() => ajvFor(httpPart).compile(schema))
  })
  fastify.setSerializerCompiler(({ schema }) => serializedOnFirstUse(schema))
}, { name: 'validation' })
