import type { ErrorObject } from 'ajv'
import type { FastifyError } from 'fastify'
import { isConnectionError } from '../db/connection-errors.js'
import { RequestValidationError, type ValidationIssue } from '../errors.js'

/** What an error means for the client, before it is written as v1 JSON or a v2 problem. */
export interface ClassifiedError {
  statusCode: number
  detail: string | ValidationIssue[]
  headers: Record<string, string>
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' }

const TYPE_NAMES: Record<string, [type: string, noun: string]> = {
  integer: ['int_type', 'a valid integer'],
  number: ['float_type', 'a valid number'],
  string: ['string_type', 'a valid string'],
  boolean: ['bool_type', 'a valid boolean'],
  array: ['list_type', 'a valid list'],
  object: ['model_attributes_type', 'a valid dictionary or object to extract fields from'],
  null: ['none_type', 'None']
}

function describe (error: ErrorObject): Pick<ValidationIssue, 'msg' | 'type'> {
  // A schema can name its own message where Ajv's would be unreadable (a long pattern).
  const own = (error.parentSchema as { 'x-error'?: Pick<ValidationIssue, 'msg' | 'type'> } | undefined)?.['x-error']
  if (own !== undefined && error.keyword !== 'required') return own
  const p = error.params as Record<string, any>
  switch (error.keyword) {
    case 'required': return { msg: 'Field required', type: 'missing' }
    case 'type': {
      if (error.data === undefined) return { msg: 'Field required', type: 'missing' }
      const first = String(p.type).split(',')[0] ?? 'string'
      const [type, noun] = TYPE_NAMES[first] ?? ['type_error', `of type ${String(p.type)}`]
      return { msg: `Input should be ${noun}`, type }
    }
    case 'minLength': return { msg: `String should have at least ${p.limit} character${p.limit === 1 ? '' : 's'}`, type: 'string_too_short' }
    case 'maxLength': return { msg: `String should have at most ${p.limit} character${p.limit === 1 ? '' : 's'}`, type: 'string_too_long' }
    case 'minimum': return { msg: `Input should be greater than or equal to ${p.limit}`, type: 'greater_than_equal' }
    case 'exclusiveMinimum': return { msg: `Input should be greater than ${p.limit}`, type: 'greater_than' }
    case 'maximum': return { msg: `Input should be less than or equal to ${p.limit}`, type: 'less_than_equal' }
    case 'exclusiveMaximum': return { msg: `Input should be less than ${p.limit}`, type: 'less_than' }
    case 'maxDecimalPlaces': return { msg: `Decimal input should have no more than ${String(error.schema)} decimal places`, type: 'decimal_max_places' }
    case 'multipleOf': return { msg: `Input should be a multiple of ${p.multipleOf}`, type: 'multiple_of' }
    case 'minItems': return { msg: `List should have at least ${p.limit} items`, type: 'too_short' }
    case 'maxItems': return { msg: `List should have at most ${p.limit} items`, type: 'too_long' }
    case 'pattern': return { msg: `String should match pattern '${p.pattern}'`, type: 'string_pattern_mismatch' }
    case 'format': return p.format === 'email'
      ? { msg: 'value is not a valid email address', type: 'value_error' }
      : { msg: `Input should be a valid ${p.format}`, type: 'value_error' }
    case 'enum': return { msg: `Input should be ${(p.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')}`, type: 'enum' }
    case 'const': return { msg: `Input should be '${String(p.allowedValue)}'`, type: 'literal_error' }
    case 'literals': {
      const quoted = (p.allowedValues as unknown[]).map((v) => `'${String(v)}'`)
      return { msg: `Input should be ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1) ?? ''}`, type: 'literal_error' }
    }
    default: return { msg: error.message ?? 'Invalid value', type: 'value_error' }
  }
}

function pointerToLoc (pointer: string): Array<string | number> {
  if (pointer === '') return []
  return pointer.slice(1).split('/').map((segment) => {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~')
    return /^(0|[1-9]\d*)$/.test(key) ? Number(key) : key
  })
}

/**
 * Ajv reports a failed union (`age: integer | null`) as every branch's error plus the
 * union's own; a client wants one entry: the first that is not a type mismatch.
 */
function collapseUnions (errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
  if (unions.length === 0) return errors
  const insideOf = (union: ErrorObject) => (e: ErrorObject) => e !== union && e.schemaPath.startsWith(`${union.schemaPath}/`)
  const picked = new Map(unions.map((union) => {
    const branches = errors.filter(insideOf(union))
    // A union of literals (`sort`): one entry naming every allowed value.
    if (branches.length > 1 && branches.every((e) => e.keyword === 'const')) {
      return [union, { ...branches[0]!, keyword: 'literals', params: { allowedValues: branches.map((e) => e.params.allowedValue) } }]
    }
    return [union, branches.find((e) => e.keyword !== 'type') ?? branches[0] ?? union]
  }))
  return errors.flatMap((e) => {
    if (picked.has(e)) return [picked.get(e)!]
    return unions.some((union) => insideOf(union)(e)) ? [] : [e]
  })
}

/** Turns Ajv's errors for one part of the request into FastAPI's `detail` entries. */
export function toValidationIssues (errors: ErrorObject[], context: string): ValidationIssue[] {
  const part = PART_NAMES[context] ?? context
  return collapseUnions(errors).map((error) => {
    const loc = [part, ...pointerToLoc(error.instancePath)]
    if (error.keyword === 'required') loc.push(String((error.params as { missingProperty: string }).missingProperty))
    return { loc, ...describe(error) }
  })
}

const BODY_ISSUES: Record<string, ValidationIssue> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { loc: ['body'], msg: 'Field required', type: 'missing' }
}

/** The status, detail and headers the contract gives any error thrown while serving. */
export function classifyError (error: FastifyError): ClassifiedError {
  const headers: Record<string, string> = {}
  if (error.validation !== undefined) {
    return { statusCode: 422, detail: toValidationIssues(error.validation as ErrorObject[], error.validationContext ?? 'body'), headers }
  }
  if (error instanceof RequestValidationError) return { statusCode: 422, detail: error.issues, headers }
  const bodyIssue = BODY_ISSUES[error.code]
  if (bodyIssue !== undefined) return { statusCode: 422, detail: [bodyIssue], headers }

  // The database is restarting or a connection was cut: worth a retry, not a 500.
  if (isConnectionError(error)) return { statusCode: 503, detail: 'Service temporarily unavailable: retry shortly', headers: { 'retry-after': '1' } }
  const statusCode = error.statusCode ?? 500
  if (statusCode < 400 || (statusCode >= 500 && statusCode !== 503)) return { statusCode: 500, detail: 'Internal server error', headers }
  // `error.headers` as http-errors and Fastify's own handler read it (a 429's Retry-After).
  const own = (error as FastifyError & { headers?: unknown }).headers
  if (own !== null && typeof own === 'object') {
    for (const [name, value] of Object.entries(own)) if (typeof value === 'string') headers[name.toLowerCase()] = value
  }
  if (statusCode === 401) headers['www-authenticate'] = 'Bearer'
  return { statusCode, detail: error.message, headers }
}
