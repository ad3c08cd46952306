import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import addKeywords from 'ajv-keywords'
import fp from 'fastify-plugin'
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
  // `transform: ['trim']` runs before the length checks, so " a " counts as one character.
  addKeywords.default(ajv, ['transform'])
  // `maxDecimalPlaces: 2` on prices: exact, where `multipleOf: 0.01` suffers float division.
  ajv.addKeyword(maxDecimalPlacesKeyword)
  return ajv
}

// Bodies are JSON: a string is never a number ("price": "9.99" is a 422) and unknown
// fields are dropped so they can never take effect. Query strings and paths are text, so
// they are converted.
const bodyAjv = createAjv({ coerceTypes: false, removeAdditional: 'all' })
const textAjv = createAjv({ coerceTypes: 'array', removeAdditional: true })

/** @see https://fastify.dev/docs/latest/Reference/Validation-and-Serialization/ */
export default fp(async function validation (fastify) {
  fastify.setValidatorCompiler(({ schema, httpPart, contentType }) => {
    // A multipart form is streamed and checked by its handler; its schema only documents it.
    if (httpPart === 'body' && contentType?.startsWith('multipart/') === true) return () => true
    return (httpPart === 'body' ? bodyAjv : textAjv).compile(schema)
  })
}, { name: 'validation' })
