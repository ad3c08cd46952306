import { describe, it, type TestContext } from 'node:test'
import { decimalPlaces, fromCents, priceBoundToCents, toCents } from '../../src/lib/money.js'

describe('money', () => {
  it('counts decimals from the exact decimal form, exponents included', (t: TestContext) => {
    const cases: Array<[number, number]> = [
      [5, 0], [1e3, 0], [1e21, 0], [0.1, 1], [19.99, 2], [0.07, 2], [1000000000.01, 2],
      [0.001, 3], [1.005, 3], [1.000000001, 9], [1e-7, 7], [1.5e-7, 8], [5e-324, 324]
    ]
    for (const [value, places] of cases) t.assert.strictEqual(decimalPlaces(value), places, String(value))
  })

  it('converts prices to cents without float error and back', (t: TestContext) => {
    const cases: Array<[number, number]> = [
      [0.01, 1], [0.1, 10], [0.07, 7], [0.29, 29], [1.1, 110], [4.35, 435], [19.99, 1999],
      [123456789.12, 12345678912], [1000000000, 100000000000]
    ]
    for (const [price, cents] of cases) {
      t.assert.strictEqual(toCents(price), cents, String(price))
      t.assert.strictEqual(fromCents(cents), price)
    }
    // The trap it avoids.
    t.assert.notStrictEqual(19.99 * 100, 1999)
  })

  it('rounds filter bounds inwards to the cent and clamps huge ones', (t: TestContext) => {
    t.assert.strictEqual(priceBoundToCents(0.07, 'up'), 7)
    t.assert.strictEqual(priceBoundToCents(0.07, 'down'), 7)
    t.assert.strictEqual(priceBoundToCents(19.995, 'up'), 2000)
    t.assert.strictEqual(priceBoundToCents(19.995, 'down'), 1999)
    t.assert.strictEqual(priceBoundToCents(1e-7, 'up'), 1)
    t.assert.strictEqual(priceBoundToCents(1e-7, 'down'), 0)
    t.assert.strictEqual(priceBoundToCents(0, 'up'), 0)
    t.assert.strictEqual(priceBoundToCents(1e30, 'up'), 100000000001)
    t.assert.strictEqual(priceBoundToCents(Infinity, 'down'), 100000000001)
  })
})
