import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { turnBatchedStream } from '../../src/lib/log-stream.js'

const execFileAsync = promisify(execFile)
const LOG_STREAM = fileURLToPath(new URL('../../src/lib/log-stream.ts', import.meta.url))

function tempFile (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'agora-log-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'out.log')
}

describe('log lines batched by turn', () => {
  it('hands the lines of one turn to the destination as one write, in order', async (t: TestContext) => {
    const path = tempFile(t)
    const stream = turnBatchedStream(openSync(path, 'w'))
    const writes: number[] = []
    stream.destination.on('write', (bytes: number) => writes.push(bytes))
    stream.write('one\n')
    stream.write('two\n')
    stream.write('three\n')
    await once(stream.destination, 'write')
    t.assert.deepStrictEqual(writes, [14])
    t.assert.strictEqual(readFileSync(path, 'utf8'), 'one\ntwo\nthree\n')
    stream.write('four\n')
    await once(stream.destination, 'write')
    t.assert.deepStrictEqual(writes, [14, 5])
    t.assert.strictEqual(readFileSync(path, 'utf8'), 'one\ntwo\nthree\nfour\n')
  })

  it('writes the lines of a process that exits in the turn it logged them', async (t: TestContext) => {
    const script = [
      'import pino from \'pino\'',
      `import { turnBatchedStdout } from ${JSON.stringify(LOG_STREAM)}`,
      'const log = pino({ base: null, timestamp: false }, turnBatchedStdout())',
      'log.info(\'started\')',
      'log.fatal(\'crashed\')',
      'process.exit(0)'
    ].join('\n')
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script])
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string })
    t.assert.deepStrictEqual(lines.map((line) => line.msg), ['started', 'crashed'])
  })
})
