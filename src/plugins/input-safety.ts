import type { FastifyReply, FastifyRequest, onRouteHookHandler, preValidationAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { RequestValidationError } from '../errors/coded-errors.js'
import type { ValidationIssue } from '../errors/responses.js'
import { ISSUES } from '../errors/validation-issues.js'
import { asList } from '../lib/as-list.js'
import { MAX_DEPTH, readJsonText, TOO_DEEP } from './strict-json.js'
import { announcesBody } from './request-body.js'

export { MAX_DEPTH }

type Part = 'body' | 'query' | 'path'
type Found = Omit<ValidationIssue, 'loc'>

function stringIssue (text: string): Found | undefined {
  if (text.includes('\u0000')) return ISSUES.nul
  if (!text.isWellFormed()) return ISSUES.notUnicode
  return undefined
}

function scan (value: unknown, depth: number, path: Array<string | number>): Found | undefined {
  if (typeof value === 'string') return stringIssue(value)
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : ISSUES.notFinite
  if (value === null || typeof value !== 'object') return undefined
  if (depth > MAX_DEPTH) return TOO_DEEP
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index]
      // Numbers, booleans and null fill most large arrays: checked without a call.
      if (typeof item === 'number' ? Number.isFinite(item) : (item === null || typeof item === 'boolean')) continue
      path.push(index)
      const found = scan(item, depth + 1, path)
      if (found !== undefined) return found
      path.pop()
    }
    return undefined
  }
  for (const key of Object.keys(value)) {
    // A bad field name is reported at its object, as there is no clean name to point at.
    if (stringIssue(key) !== undefined) return ISSUES.fieldNameNotUnicode
    path.push(key)
    const found = scan((value as Record<string, unknown>)[key], depth + 1, path)
    if (found !== undefined) return found
    path.pop()
  }
  return undefined
}

/** The first value no column should hold: NUL (PostgreSQL refuses it), a lone surrogate, Infinity, deep nesting. */
export function findHostileValue (root: unknown, part: Part): ValidationIssue | undefined {
  const path: Array<string | number> = []
  const found = scan(root, 1, path)
  return found === undefined ? undefined : { loc: [part, ...path], ...found }
}

// Requests whose JSON body strictJsonParser found to need no walk.
const cleanBodies = new WeakSet<FastifyRequest>()

type JsonParser = (request: FastifyRequest, body: string, done: (error: Error | null, body?: unknown) => void) => void

function strictJsonParser (parse: JsonParser) {
  return function (request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: unknown) => void): void {
    let read: ReturnType<typeof readJsonText>
    try {
      read = readJsonText(body, request.headers['content-type'])
    } catch (error) {
      return done(error as Error)
    }
    if (read.clean) cleanBodies.add(request)
    parse(request, read.text, done)
  }
}

const checkParts: preValidationAsyncHookHandler = async function (request: FastifyRequest, reply: FastifyReply) {
  const issue = findHostileValue(request.params, 'path') ??
    findHostileValue(request.query, 'query') ??
    (cleanBodies.has(request) ? undefined : findHostileValue(request.body, 'body'))
  if (issue !== undefined) throw new RequestValidationError([issue])
}

const attachCheck: onRouteHookHandler = (route) => {
  const schema = route.schema
  if (schema?.params === undefined && schema?.querystring === undefined && schema?.body === undefined) return
  route.preValidation = [checkParts, ...asList(route.preValidation)]
}

/** 422 for hostile values and JSON that is not UTF-8, 415 for a content type or charset Agora does not take. */
export default fp(async function inputSafety (fastify) {
  // JSON in (plus the login form, @fastify/formbody): Fastify's built-in text/plain parser
  // would hand routes a string, a 422 where the contract wants a 415.
  fastify.removeContentTypeParser(['text/plain', 'application/json'])
  const jsonParser = strictJsonParser(fastify.getDefaultJsonParser('error', 'error') as JsonParser)
  // As FastAPI: a body with no Content-Type, or of any `+json` type, is read as JSON.
  for (const type of ['application/json', /^application\/[\w.-]+\+json$/i]) {
    fastify.addContentTypeParser(type, { parseAs: 'buffer' }, jsonParser)
  }
  fastify.addHook('onRequest', function (request, reply, done) {
    const { headers } = request
    if (headers['content-type'] === undefined && announcesBody(headers)) headers['content-type'] = 'application/json'
    done()
  })
  fastify.addHook('onRoute', attachCheck)
}, { name: 'input-safety' })
