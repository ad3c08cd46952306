import { createHmac } from 'node:crypto'
import { describe, it, type TestContext } from 'node:test'
import { RequestValidationError } from '../../../src/errors/coded-errors.js'
import { createCursorCodec } from '../../../src/modules/v2/cursor.js'

describe('v2 cursors', () => {
  const codec = createCursorCodec('secret-one')

  it('round-trips an id and is opaque URL-safe text', (t: TestContext) => {
    for (const id of [1, 42, Number.MAX_SAFE_INTEGER]) {
      const cursor = codec.encode('posts', id)
      t.assert.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
      t.assert.strictEqual(codec.decode('posts', cursor), id)
    }
  })

  it('refuses a cursor signed with another secret, or for another list', (t: TestContext) => {
    const other = createCursorCodec('secret-two').encode('users', 5)
    const isCursorError = (error: unknown): boolean => error instanceof RequestValidationError &&
      error.issues.length === 1 && error.issues[0]?.loc.join('.') === 'query.cursor'
    t.assert.throws(() => codec.decode('users', other), isCursorError)
    t.assert.throws(() => codec.decode('products', codec.encode('users', 5)), isCursorError)
  })

  it('refuses a correctly signed payload that is not JSON or not a positive id', (t: TestContext) => {
    // Signed as cursor.ts signs, to reach the checks that come after the signature.
    const key = createHmac('sha256', 'secret-one').update('agora/v2/cursor/1').digest()
    const signed = (text: string): string => {
      const payload = Buffer.from(text).toString('base64url')
      return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`
    }
    t.assert.strictEqual(codec.decode('users', signed('{"resource":"users","last_id":7}')), 7)
    for (const text of ['not json', 'null', '[]', '{"resource":"users"}', '{"resource":"users","last_id":0}',
      '{"resource":"users","last_id":-1}', '{"resource":"users","last_id":1.5}', '{"resource":"users","last_id":"7"}',
      '{"resource":"users","last_id":1e300}']) {
      t.assert.throws(() => codec.decode('users', signed(text)), RequestValidationError, text)
    }
  })
})
