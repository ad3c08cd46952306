import type { ErrorObject } from 'ajv'
import type { ValidationIssue } from './responses.js'

// The wording of every 422 entry, written here once: pydantic's for what JSON Schema checks, Agora's for the rest.

type Wording = Omit<ValidationIssue, 'loc'>

/** The issues Agora finds outside JSON Schema. */
export const ISSUES = {
  missing: { msg: 'Field required', type: 'missing' },
  jsonInvalid: { msg: 'JSON decode error', type: 'json_invalid' },
  notUtf8: { msg: 'JSON decode error: the body is not valid UTF-8', type: 'json_invalid' },
  nul: { msg: 'String should not contain NUL characters', type: 'string_nul' },
  notUnicode: { msg: 'String should be valid Unicode', type: 'string_unicode' },
  fieldNameNotUnicode: { msg: 'Field names should be valid Unicode', type: 'string_unicode' },
  notFinite: { msg: 'Input should be a finite number', type: 'finite_number' },
  idempotencyKeyReused: { msg: 'This Idempotency-Key was used with another request body', type: 'idempotency_key_reused' },
  cursorMalformed: { msg: 'Cursor is malformed', type: 'cursor_invalid' },
  cursorForged: { msg: 'Cursor signature is invalid', type: 'cursor_invalid' }
} as const satisfies Record<string, Wording>

/** Nesting deeper than `levels` objects and arrays. */
export function tooDeep (levels: number): Wording {
  return { msg: `Input should be nested at most ${levels} levels deep`, type: 'too_deep' }
}

/** A cursor issued for another list. */
export function cursorOfOtherList (resource: string): Wording {
  return { msg: `Cursor does not belong to /${resource}`, type: 'cursor_invalid' }
}

/** Fastify's own refusals of a JSON body, as the issue FastAPI reports for them. */
export const BODY_ISSUES: Record<string, ValidationIssue> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { loc: ['body'], ...ISSUES.jsonInvalid },
  FST_ERR_CTP_EMPTY_JSON_BODY: { loc: ['body'], ...ISSUES.missing }
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

function quoted (values: unknown[]): string[] {
  return values.map((value) => `'${String(value)}'`)
}

function plural (count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

function describe (error: ErrorObject): Wording {
  // A schema can name its own message where Ajv's would be unreadable (a long pattern).
  const own = (error.parentSchema as { 'x-error'?: Wording } | undefined)?.['x-error']
  if (own !== undefined && error.keyword !== 'required') return own
  const p = error.params as Record<string, any>
  switch (error.keyword) {
    case 'required': return ISSUES.missing
    case 'type': {
      if (error.data === undefined) return ISSUES.missing
      const first = String(p.type).split(',')[0] ?? 'string'
      const [type, noun] = TYPE_NAMES[first] ?? ['type_error', `of type ${String(p.type)}`]
      return { msg: `Input should be ${noun}`, type }
    }
    case 'minLength': return { msg: `String should have at least ${plural(p.limit, 'character')}`, type: 'string_too_short' }
    case 'maxLength': return { msg: `String should have at most ${plural(p.limit, 'character')}`, type: 'string_too_long' }
    case 'minimum': return { msg: `Input should be greater than or equal to ${p.limit}`, type: 'greater_than_equal' }
    case 'exclusiveMinimum': return { msg: `Input should be greater than ${p.limit}`, type: 'greater_than' }
    case 'maximum': return { msg: `Input should be less than or equal to ${p.limit}`, type: 'less_than_equal' }
    case 'exclusiveMaximum': return { msg: `Input should be less than ${p.limit}`, type: 'less_than' }
    case 'maxDecimalPlaces':
      return { msg: `Decimal input should have no more than ${String(error.schema)} decimal places`, type: 'decimal_max_places' }
    case 'multipleOf': return { msg: `Input should be a multiple of ${p.multipleOf}`, type: 'multiple_of' }
    case 'minItems': return { msg: `List should have at least ${p.limit} items`, type: 'too_short' }
    case 'maxItems': return { msg: `List should have at most ${p.limit} items`, type: 'too_long' }
    case 'pattern': return { msg: `String should match pattern '${p.pattern}'`, type: 'string_pattern_mismatch' }
    case 'format': return p.format === 'email'
      ? { msg: 'value is not a valid email address', type: 'value_error' }
      : { msg: `Input should be a valid ${p.format}`, type: 'value_error' }
    case 'enum': return { msg: `Input should be ${quoted(p.allowedValues as unknown[]).join(', ')}`, type: 'enum' }
    case 'const': return { msg: `Input should be '${String(p.allowedValue)}'`, type: 'literal_error' }
    case 'literals': {
      const values = quoted(p.allowedValues as unknown[])
      return { msg: `Input should be ${values.slice(0, -1).join(', ')} or ${values.at(-1) ?? ''}`, type: 'literal_error' }
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

// Ajv reports a failed union (`age: integer | null`) as every branch's error plus the union's own;
// a client wants one entry: the first that is not a type mismatch.
function collapseUnions (errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
  if (unions.length === 0) return errors
  const insideOf = (union: ErrorObject) => (e: ErrorObject) =>
    e !== union && e.schemaPath.startsWith(`${union.schemaPath}/`)
  const picked = new Map(unions.map((union) => {
    const branches = errors.filter(insideOf(union))
    // A union of literals (`sort`): one entry naming every allowed value.
    if (branches.length > 1 && branches.every((e) => e.keyword === 'const')) {
      const allowedValues = branches.map((e) => e.params.allowedValue)
      return [union, { ...branches[0]!, keyword: 'literals', params: { allowedValues } }]
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
