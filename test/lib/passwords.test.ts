import { availableParallelism } from 'node:os'
import { describe, it, type TestContext } from 'node:test'
import { hashingSlots, hashPassword, verifyPassword } from '../../src/lib/passwords.js'

describe('password hashing', () => {
  it('runs at most one hash per core but one at once, and queues the rest', async (t: TestContext) => {
    const limit = Math.max(1, availableParallelism() - 1)
    t.assert.strictEqual(hashingSlots.concurrency, limit)
    let busiest = 0
    const sampler = setInterval(() => { busiest = Math.max(busiest, hashingSlots.activeCount) }, 1)
    const passwords = Array.from({ length: 8 }, (_, i) => `password-${i}`)
    const hashes = await Promise.all(passwords.map(async (password) => await hashPassword(password)))
    clearInterval(sampler)
    t.assert.ok(busiest >= 1 && busiest <= limit, `at most ${limit} at once, saw ${busiest}`)
    const verified = await Promise.all(hashes.map(async (hash, i) => await verifyPassword(hash, passwords[i]!)))
    t.assert.deepStrictEqual(verified, passwords.map(() => true))
    t.assert.strictEqual(await verifyPassword(hashes[0], 'wrong-password'), false)
  })
})
