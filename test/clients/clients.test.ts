import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { DOCUMENT_PATH, generateTypeScriptClient, openApiText, TYPESCRIPT_CLIENT_DIR } from '../../clients/generate.js'

const STALE = 'stale: run `npm run client` and commit clients/'
const ROOT = join(import.meta.dirname, '..', '..')

/** Every file under `dir`, by its path relative to `dir`, with its text. */
function filesUnder (dir: string): Record<string, string> {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile())
  return Object.fromEntries(entries.map((entry) => {
    const path = join(entry.parentPath, entry.name)
    return [relative(dir, path), readFileSync(path, 'utf8')]
  }).sort(([a], [b]) => a! < b! ? -1 : 1))
}

describe('clients/', () => {
  it('holds the OpenAPI document that the routes make', async (t: TestContext) => {
    t.assert.strictEqual(readFileSync(DOCUMENT_PATH, 'utf8'), await openApiText(), `clients/openapi.json is ${STALE}`)
  })

  it('holds the TypeScript client that @hey-api/openapi-ts generates from it', async (t: TestContext) => {
    const dir = mkdtempSync(join(tmpdir(), 'agora-client-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    await generateTypeScriptClient(DOCUMENT_PATH, dir)
    t.assert.deepStrictEqual(filesUnder(TYPESCRIPT_CLIENT_DIR), filesUnder(dir), `clients/typescript/src is ${STALE}`)
  })

  it('passes Redocly\'s lint with the rules in redocly.yaml', (t: TestContext) => {
    const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js')
    const lint = spawnSync(process.execPath, [cli, 'lint', '--format=stylish'], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' }, timeout: 60_000
    })
    t.assert.strictEqual(lint.status, 0, `${lint.stdout}\n${lint.stderr}`)
  })
})
