import { describe, it, type TestContext } from 'node:test'
import { LinkedList } from '../../src/lib/linked-list.js'

describe('LinkedList', () => {
  it('keeps values in the order they came, whichever are taken out', (t: TestContext) => {
    const list = new LinkedList<string>()
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((value) => list.add(value))
    list.remove(b!)
    t.assert.deepStrictEqual([...list], ['a', 'c', 'd'])
    list.remove(a!)
    list.remove(d!)
    t.assert.deepStrictEqual([...list], ['c'])
    t.assert.strictEqual(list.size, 1)
    list.remove(c!)
    t.assert.deepStrictEqual([...list], [])
    t.assert.strictEqual(list.size, 0)
    list.add('e')
    t.assert.deepStrictEqual([...list], ['e'])
  })

  it('leaves the list as it is when a link is taken out twice', (t: TestContext) => {
    const list = new LinkedList<number>()
    const first = list.add(1)
    list.add(2)
    list.remove(first)
    list.remove(first)
    t.assert.deepStrictEqual([...list], [2])
    t.assert.strictEqual(list.size, 1)
  })

  it('lets a link taken out hold nothing but its value', (t: TestContext) => {
    const list = new LinkedList<number>()
    list.add(1)
    const middle = list.add(2)
    list.add(3)
    list.remove(middle)
    t.assert.strictEqual(middle.previous, undefined)
    t.assert.strictEqual(middle.next, undefined)
  })

  it('takes out the oldest match, and clears to the values from the oldest', (t: TestContext) => {
    const list = new LinkedList<{ id: number, name: string }>()
    for (const [id, name] of [[1, 'x'], [2, 'y'], [3, 'y'], [4, 'z']] as const) list.add({ id, name })
    t.assert.strictEqual(list.take((entry) => entry.name === 'y')?.id, 2)
    t.assert.strictEqual(list.take((entry) => entry.id === 9), undefined)
    t.assert.strictEqual(list.size, 3)
    t.assert.deepStrictEqual(list.clear().map((entry) => entry.id), [1, 3, 4])
    t.assert.strictEqual(list.size, 0)
    t.assert.deepStrictEqual([...list], [])
  })
})
