import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { removeAbandonedFiles } from '../../../src/modules/uploads/upload-storage.js'

describe('removeAbandonedFiles', () => {
  it('removes old partial files only, never a kept upload or a file still arriving', async (t: TestContext) => {
    const dir = mkdtempSync(join(tmpdir(), 'agora-uploads-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    for (const name of ['.incoming-old', '.incoming-new', 'q3Vb2N9xLk0tRcYw1mHdZf4J']) writeFileSync(join(dir, name), 'x')
    const hourAgo = new Date(Date.now() - 3_600_000)
    utimesSync(join(dir, '.incoming-old'), hourAgo, hourAgo)
    utimesSync(join(dir, 'q3Vb2N9xLk0tRcYw1mHdZf4J'), hourAgo, hourAgo)
    t.assert.strictEqual(await removeAbandonedFiles(dir, 60_000), 1)
    t.assert.deepStrictEqual(readdirSync(dir).sort(), ['.incoming-new', 'q3Vb2N9xLk0tRcYw1mHdZf4J'])
  })

  it('is content with a folder that does not exist yet', async (t: TestContext) => {
    t.assert.strictEqual(await removeAbandonedFiles(join(tmpdir(), 'agora-no-such-folder'), 1000), 0)
  })
})
