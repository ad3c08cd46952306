import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { incomingDir, removeAbandonedFiles } from '../../../src/modules/uploads/upload-storage.js'
import { storedUploadFiles } from '../../helpers/multipart.js'

describe('removeAbandonedFiles', () => {
  it('removes old partial files only, never a kept upload or a file still arriving', async (t: TestContext) => {
    const dir = mkdtempSync(join(tmpdir(), 'agora-uploads-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    mkdirSync(incomingDir(dir))
    for (const path of [join(incomingDir(dir), 'old'), join(incomingDir(dir), 'new'), join(dir, 'q3Vb2N9xLk0tRcYw1mHdZf4J')]) writeFileSync(path, 'x')
    const hourAgo = new Date(Date.now() - 3_600_000)
    utimesSync(join(incomingDir(dir), 'old'), hourAgo, hourAgo)
    utimesSync(join(dir, 'q3Vb2N9xLk0tRcYw1mHdZf4J'), hourAgo, hourAgo)
    t.assert.strictEqual(await removeAbandonedFiles(dir, 60_000), 1)
    t.assert.deepStrictEqual(storedUploadFiles(dir).sort(), ['.incoming/new', 'q3Vb2N9xLk0tRcYw1mHdZf4J'])
  })

  it('is content with a folder that does not exist yet', async (t: TestContext) => {
    t.assert.strictEqual(await removeAbandonedFiles(join(tmpdir(), 'agora-no-such-folder'), 1000), 0)
  })
})
