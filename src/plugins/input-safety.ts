import fp from 'fastify-plugin'
import { RequestValidationError, type ValidationIssue } from '../errors.js'

type Part = 'body' | 'query' | 'path'

/** Levels of objects and arrays a request part may nest (the body itself is level 1). */
export const MAX_DEPTH = 32

/**
 * Finds the first value that no column should ever hold: a string with a NUL character
 * (PostgreSQL refuses it with an error) or a lone UTF-16 surrogate (not encodable as
 * UTF-8), a number that is not finite (`1e400` parses to Infinity), or nesting deeper
 * than MAX_DEPTH. Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function findHostileValue (root: unknown, part: Part): ValidationIssue | undefined {
  const stack: Array<{ value: unknown, loc: Array<string | number> }> = [{ value: root, loc: [part] }]
  while (stack.length > 0) {
    const { value, loc } = stack.pop()!
    // Every loc is a copy of its parent's, so unbounded depth would cost quadratic time:
    // 500 000 nested arrays fit in 1 MiB and would hold the event loop for minutes.
    // loc holds the part's name and one key per level, so it is as long as `value` is deep.
    if (loc.length > MAX_DEPTH && value !== null && typeof value === 'object') {
      return { loc, msg: `Input should be nested at most ${MAX_DEPTH} levels deep`, type: 'too_deep' }
    }
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { loc, msg: 'String should not contain NUL characters', type: 'string_nul' }
      if (!value.isWellFormed()) return { loc, msg: 'String should be valid Unicode', type: 'string_unicode' }
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { loc, msg: 'Input should be a finite number', type: 'finite_number' }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, loc: [...loc, index] }))
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (!key.isWellFormed() || key.includes('\u0000')) return { loc, msg: 'Field names should be valid Unicode', type: 'string_unicode' }
        stack.push({ value: item, loc: [...loc, key] })
      }
    }
  }
  return undefined
}

/**
 * Rejects hostile strings, numbers and nesting in every part of every request with a 422,
 * and bodies in a content type Agora does not take with a 415.
 */
export default fp(async function inputSafety (fastify) {
  // JSON in (plus the login form, @fastify/formbody): Fastify's built-in text/plain parser
  // would hand routes a string, a 422 where the contract wants a 415.
  fastify.removeContentTypeParser('text/plain')
  // As FastAPI: a body with no Content-Type is read as JSON, and so is any `+json` type
  // (application/merge-patch+json, application/vnd.api+json, …).
  fastify.addContentTypeParser(/^application\/[\w.-]+\+json$/i, { parseAs: 'string' }, fastify.getDefaultJsonParser('error', 'error'))
  fastify.addHook('onRequest', async (request) => {
    const { headers } = request
    const hasBody = headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')
    if (headers['content-type'] === undefined && hasBody) headers['content-type'] = 'application/json'
  })

  fastify.addHook('preValidation', async (request) => {
    const issue = findHostileValue(request.params, 'path') ??
      findHostileValue(request.query, 'query') ??
      findHostileValue(request.body, 'body')
    if (issue !== undefined) throw new RequestValidationError([issue])
  })
}, { name: 'input-safety' })
