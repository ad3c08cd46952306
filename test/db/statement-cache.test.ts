import { describe, it, type TestContext } from 'node:test'
import SQLite from 'better-sqlite3'
import { StatementCache } from '../../src/db/statement-cache.js'

describe('StatementCache', () => {
  it('prepares each text once and, when full, lets the least recently run go first', (t: TestContext) => {
    const database = new SQLite(':memory:')
    const cache = new StatementCache(database)
    t.after(() => cache.close())
    const texts = Array.from({ length: 1000 }, (_, i) => `select ${i} as n`)
    const first = texts.map((text) => cache.prepare(text))
    t.assert.strictEqual(cache.size, 1000)
    // Run the oldest again: it becomes the most recent, and the second oldest the least.
    t.assert.strictEqual(cache.prepare(texts[0]!), first[0])
    cache.prepare('select 1000 as n')
    t.assert.strictEqual(cache.size, 1000)
    t.assert.strictEqual(cache.prepare(texts[0]!), first[0], 'the statement run again is kept')
    t.assert.notStrictEqual(cache.prepare(texts[1]!), first[1], 'the least recently run was let go')
    t.assert.deepStrictEqual(cache.execute({ sql: texts[1]!, parameters: [] }).rows, [{ n: 1 }])
  })
})
