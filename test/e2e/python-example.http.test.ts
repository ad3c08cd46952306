import { execFile, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { promisify } from 'node:util'
import { buildTestApp, testDialects } from '../helpers/build-app.js'

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'python', 'agora_example.py')

/** A Python 3 that has `requests`: the one on PATH, else Debian's (python3-requests). */
function pythonWithRequests (): string | undefined {
  return ['python3', '/usr/bin/python3'].find((python) => spawnSync(python, ['-c', 'import requests']).status === 0)
}

for (const dialect of testDialects()) {
  describe(`the Python example (${dialect})`, () => {
    it('does what the guide\'s examples do, against a real server', async (t: TestContext) => {
      const python = pythonWithRequests()
      if (python === undefined) return t.skip('no Python 3 with requests (Debian: python3-requests)')
      const app = await buildTestApp(t, dialect)
      const base = await app.listen({ host: '127.0.0.1', port: 0 })
      // Asynchronous: the server answering it runs in this process.
      const { stdout } = await promisify(execFile)(python, [EXAMPLE, base], { timeout: 60_000 })
      t.assert.match(stdout, /^signed up user \d+/m)
      t.assert.match(stdout, /^uploaded notes\.txt \(18 bytes, text\/plain\)/m)
      t.assert.match(stdout, /^done$/m)
    })
  })
}
