import { describe, it, type TestContext } from 'node:test'
import { etagOf, expectedVersion, isNotModified } from '../../src/http/etag.js'

const row = { id: 7, version: 3 }

describe('etag', () => {
  it('makes a strong tag from the id and version', (t: TestContext) => {
    t.assert.strictEqual(etagOf(row), '"7-3"')
    t.assert.notStrictEqual(etagOf({ id: 7, version: 4 }), etagOf(row))
  })

  it('compares If-None-Match weakly, over a list, with *', (t: TestContext) => {
    t.assert.strictEqual(isNotModified({}, row), false)
    for (const header of ['"7-3"', 'W/"7-3"', '"x", "7-3"', '*']) t.assert.strictEqual(isNotModified({ 'if-none-match': header }, row), true, header)
    for (const header of ['"7-2"', '"73"', '', '7-3']) t.assert.strictEqual(isNotModified({ 'if-none-match': header }, row), false, header)
  })

  it('compares If-Match strongly: the version to update from, or 412', (t: TestContext) => {
    t.assert.strictEqual(expectedVersion({}, row), undefined)
    t.assert.strictEqual(expectedVersion({ 'if-match': '"7-3"' }, row), 3)
    t.assert.strictEqual(expectedVersion({ 'if-match': '"7-1", "7-3"' }, row), 3)
    t.assert.strictEqual(expectedVersion({ 'if-match': '*' }, row), undefined)
    for (const header of ['"7-2"', 'W/"7-3"', '""']) {
      t.assert.throws(() => expectedVersion({ 'if-match': header }, row), (error: { statusCode?: number }) => error.statusCode === 412, header)
    }
  })
})
