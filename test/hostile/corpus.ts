/**
 * A hostile-input corpus generated from Agora's own OpenAPI document: for every
 * operation, every path, query, header and body member gets wrong types, non-finite and
 * huge numbers, invalid UTF-8, lone surrogates, NULs, deep nesting, long strings,
 * prototype keys, CRLF and SQL/LIKE metacharacters, one member at a time.
 */

import { dereference } from '../helpers/openapi.js'

export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  anyOf?: JsonSchema[]
  items?: JsonSchema
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  minLength?: number
  maxLength?: number
  format?: string
  const?: unknown
  default?: unknown
  pattern?: string
}

export interface Parameter { in: 'path' | 'query' | 'header', name: string, required?: boolean, schema: JsonSchema }

export interface Operation {
  method: string
  /** The documented path, `{name}` for each parameter. */
  path: string
  parameters: Parameter[]
  /** The JSON body's schema, when the operation takes one. */
  body?: JsonSchema
  multipart: boolean
  /** True when the operation documents a security requirement (a bearer token). */
  secured: boolean
  /** Documented response statuses ('200', '422', …). */
  statuses: Set<string>
}

export interface HostileCase {
  /** What is sent, for the assertion messages. */
  label: string
  method: string
  url: string
  headers: Record<string, string>
  payload?: string | Buffer
  /** What the answer must be, beyond the checks every case gets. */
  expect?: 'json_invalid' | 'unsupported_media_type' | 'client_error'
}

interface OpenApiDocument {
  paths: Record<string, Record<string, {
    parameters?: Parameter[]
    requestBody?: { content: Record<string, { schema: JsonSchema }> }
    security?: unknown[]
    responses: Record<string, unknown>
  }>>
}

/** Every operation of the document, its component schemas written out where they are used. */
export function operationsOf (document: OpenApiDocument): Operation[] {
  return Object.entries(dereference(document).paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema,
      multipart: op.requestBody?.content['multipart/form-data'] !== undefined,
      secured: (op.security?.length ?? 0) > 0,
      statuses: new Set(Object.keys(op.responses))
    })))
}

let unique = 0

/** A valid value for `schema`: enough to get past validation to the member under test. */
export function exampleOf (schema: JsonSchema, name = ''): unknown {
  if (schema.default !== undefined) return schema.default
  if (schema.const !== undefined) return schema.const
  if (schema.anyOf !== undefined) return exampleOf(schema.anyOf.find((branch) => branch.type !== 'null') ?? schema.anyOf[0]!, name)
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'object': return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, member]) => [key, exampleOf(member, key)]))
    case 'array': return []
    case 'integer': return schema.minimum ?? 1
    case 'number': return schema.minimum ?? 1
    case 'boolean': return true
    default: {
      unique += 1
      if (schema.format === 'email' || name === 'email' || name === 'username') return `hostile${unique}.${process.pid}@example.com`
      return `v${unique}`.padEnd(Math.max(schema.minLength ?? 1, 8), 'x')
    }
  }
}

const BAD_UTF8: Buffer[] = [
  Buffer.from([0xc0, 0xaf]), // overlong '/'
  Buffer.from([0xe2, 0x82]), // truncated
  Buffer.from([0xed, 0xa0, 0x80]), // CESU-8 surrogate
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), // 5-byte sequence
  Buffer.from([0xe9]) // Latin-1 'é'
]

/** JSON texts (or bytes) to put in place of one body member. */
function hostileMembers (schema: JsonSchema, name: string): Array<string | Buffer[]> {
  const values: Array<string | Buffer[]> = [
    '"\\u0000"', '"a\\ud800"', '"\\udfff b"', '1e400', '-1e400', '1e309', '"1e309"', '1.5', '-1', '0',
    '9223372036854775808', '""', '"   "', 'null', 'true', '[]', '{}', '[1,"a",null]', '{"__proto__":{"role":"admin"}}',
    '{"constructor":{"prototype":{"is_admin":true}}}', `"${'a'.repeat(60_000)}"`, '"\' OR 1=1 --"', '"%_\\\\ LIKE"',
    '"a\\r\\nBcc: victim@example.com"', `${'['.repeat(40)}${']'.repeat(40)}`, '"\\ud83d\\ude00 ok"', '"Zoë 日本"',
    ...BAD_UTF8.map((bytes) => [Buffer.from('"a'), bytes, Buffer.from('b"')])
  ]
  if (schema.format === 'email' || name === 'email') {
    values.push(
      `"${'a'.repeat(65)}@example.com"`, `"${'a'.repeat(200)}@example.com"`, `"a@${'b'.repeat(250)}.com"`,
      `"a@${`${'b'.repeat(60)}.`.repeat(5)}com"`, '"a@b"', '"@example.com"', '"a\\u0000@example.com"'
    )
  }
  return values
}

const NUMERIC_TEXT = ['1e309', 'Infinity', '-Infinity', 'NaN', '1e400', '-1e309', '1e300', '99999999999999999999999', '0x10', '', '%20', '1.5', '-0']
const STRING_TEXT = ['%00', 'a%00b', '%ED%A0%80', '%FF', '%C0%AF', 'a'.repeat(10_000), '%25_%5C', '%27%20OR%201%3D1--', '%0D%0ASet-Cookie:%20x=1', '%F0%9F%98%80']
const PATH_TEXT = ['0', '-1', '1e309', 'Infinity', 'abc', '1.5', '99999999999999999999', '%00', '%ED%A0%80', '%FF', 'a'.repeat(5000), '1%27%20OR%20%271%27=%271']

function isNumeric (schema: JsonSchema): boolean {
  return schema.type === 'integer' || schema.type === 'number'
}

/** The URL of `op` with valid path ids from `ids`, or `hostile` in place of `target`. */
function urlOf (
  op: Operation, prefix: string, ids: Record<string, string>, query: string, target?: string, hostile?: string
): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => name === target ? hostile! : (ids[name] ?? '1'))
  const base = prefix === '' ? path.replace(/^\/api\/v1(?=\/)/, '') : path
  return query === '' ? base : `${base}?${query}`
}

/** Raw JSON text of `body` with `member` replaced by `hostile`. */
function withMember (body: Record<string, unknown>, member: string, hostile: string | Buffer[]): string | Buffer {
  const marker = '"@@hostile@@"'
  const text = JSON.stringify({ ...body, [member]: '@@hostile@@' })
  const [before = '', after = ''] = text.split(marker)
  return typeof hostile === 'string' ? before + hostile + after : Buffer.concat([Buffer.from(before), ...hostile, Buffer.from(after)])
}

export interface CorpusOptions {
  /** Valid values for the path parameters, by name. */
  ids: Record<string, string>
  /** Members of a base body to replace, by `METHOD path` (say, a wrong current password). */
  bodies?: Record<string, Record<string, unknown>>
}

/**
 * Every case for `op`. v1 operations alternate between `/api/v1` and the unprefixed alias,
 * case by case, so that both are covered without sending everything twice; numeric query
 * parameters go to both.
 */
export function casesFor (op: Operation, options: CorpusOptions): HostileCase[] {
  const cases: HostileCase[] = []
  const isV1 = op.path.startsWith('/api/v1/')
  const prefixFor = (index: number): string => isV1 && index % 2 === 1 ? '' : '/api/v1'
  const json = { 'content-type': 'application/json' }
  // A fresh base for every case (new e-mail addresses), so a case that is accepted is stored.
  const freshBody = (): Record<string, unknown> => ({ ...(exampleOf(op.body!) as Record<string, unknown>), ...options.bodies?.[`${op.method} ${op.path}`] })
  const baseBody = op.body === undefined ? undefined : freshBody()
  const basePayload = baseBody === undefined ? undefined : JSON.stringify(baseBody)
  const add = (label: string, build: (prefix: string) => Omit<HostileCase, 'label' | 'method'>, both = false): void => {
    const prefixes = both && isV1 ? ['/api/v1', ''] : [prefixFor(cases.length)]
    for (const prefix of prefixes) cases.push({ label: `${op.method} ${op.path} ${label}${prefix === '' && isV1 ? ' (alias)' : ''}`, method: op.method, ...build(prefix) })
  }
  const withBody = basePayload === undefined ? {} : { headers: json, payload: basePayload }

  for (const param of op.parameters) {
    if (param.in === 'path') {
      for (const value of PATH_TEXT) add(`path ${param.name}=${value.slice(0, 40)}`, (prefix) => ({ url: urlOf(op, prefix, options.ids, '', param.name, value), headers: {}, ...withBody }))
    } else if (param.in === 'query') {
      // A number is sent text too: the document says what a client should send, not what it can.
      const values = isNumeric(param.schema) ? [...NUMERIC_TEXT, ...STRING_TEXT] : param.schema.type === 'boolean' ? ['maybe', '%00', '2', 'TRUE '] : STRING_TEXT
      for (const value of values) {
        add(`query ${param.name}=${value.slice(0, 40)}`, (prefix) => ({ url: urlOf(op, prefix, options.ids, `${param.name}=${value}`), headers: {}, ...withBody }), isNumeric(param.schema))
      }
    } else if (param.in === 'header') {
      for (const value of ['', 'x'.repeat(300), '"0-0"', '*', 'W/"1-1"', 'é'.repeat(3)]) {
        add(`header ${param.name}=${value.slice(0, 20)}`, (prefix) => ({ url: urlOf(op, prefix, options.ids, ''), ...withBody, headers: { ...withBody.headers, [param.name]: value } }))
      }
    }
  }

  if (baseBody !== undefined) {
    for (const [member, schema] of Object.entries(op.body?.properties ?? {})) {
      for (const hostile of hostileMembers(schema, member)) {
        const shown = typeof hostile === 'string' ? hostile.slice(0, 40) : `bytes ${hostile[1]!.toString('hex')}`
        add(`body ${member}=${shown}`, (prefix) => ({ url: urlOf(op, prefix, options.ids, ''), headers: json, payload: withMember(freshBody(), member, hostile) }))
      }
    }
    const firstString = Object.entries(op.body?.properties ?? {}).find(([, schema]) => schema.type === 'string')?.[0]
    if (firstString !== undefined) {
      for (const bytes of BAD_UTF8) {
        add(`body not UTF-8 (${bytes.toString('hex')})`, (prefix) => ({
          url: urlOf(op, prefix, options.ids, ''), headers: json, payload: withMember(freshBody(), firstString, [Buffer.from('"a'), bytes, Buffer.from('b"')]), expect: 'json_invalid'
        }))
      }
    }
    for (const charset of ['latin1', 'iso-8859-1', 'utf-16', 'x-unknown']) {
      add(`charset=${charset}`, (prefix) => ({
        url: urlOf(op, prefix, options.ids, ''), headers: { 'content-type': `application/json; charset=${charset}` }, payload: JSON.stringify(freshBody()), expect: 'unsupported_media_type'
      }))
    }
  }
  // Any route may be sent a body: a DELETE's is read, and refused, as a POST's is.
  if (op.body !== undefined || op.multipart || op.method === 'DELETE') {
    const url = (prefix: string): string => urlOf(op, prefix, options.ids, '')
    add('body not JSON', (prefix) => ({ url: url(prefix), headers: json, payload: '{"a":', expect: 'client_error' }))
    add('body text/plain', (prefix) => ({ url: url(prefix), headers: { 'content-type': 'text/plain' }, payload: 'hello', expect: 'client_error' }))
    add('body nested 100 000 deep', (prefix) => ({ url: url(prefix), headers: json, payload: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, expect: 'client_error' }))
    add('body over the limit', (prefix) => ({ url: url(prefix), headers: json, payload: `{"x":"${'a'.repeat(1_100_000)}"}`, expect: 'client_error' }))
    add('body multipart garbage', (prefix) => ({ url: url(prefix), headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x\r\nbroken', expect: 'client_error' }))
  }
  return cases
}

/**
 * A JSON body of about 1 MiB, mostly one array of `elements` numbers nested `depth` levels
 * down in member `x`, with the members `base` has. Deep elements are what a check that
 * copies a location per element pays for most.
 */
export function arrayHeavyBody (base: Record<string, unknown>, elements = 500_000, depth = 1): string {
  const members = JSON.stringify(base).slice(0, -1)
  const array = `${'['.repeat(depth)}${'1,'.repeat(elements - 1)}1${']'.repeat(depth)}`
  return `${members}${Object.keys(base).length > 0 ? ',' : ''}"x":${array}}`
}
