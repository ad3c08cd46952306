import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from '@hey-api/openapi-ts'
import { buildApp } from '../src/app.js'
import { loadConfig, withJwtSecret } from '../src/config.js'

/** Where the committed document and the TypeScript client live. */
export const CLIENTS_DIR = fileURLToPath(new URL('.', import.meta.url))
export const DOCUMENT_PATH = join(CLIENTS_DIR, 'openapi.json')
export const TYPESCRIPT_CLIENT_DIR = join(CLIENTS_DIR, 'typescript', 'src')

/**
 * The OpenAPI document as /openapi.json serves it, as text. Built with the default
 * configuration alone, never the environment's: the committed copy must not depend on
 * who generated it. The app is not started, and its database is a throwaway.
 */
export async function openApiText (): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agora-openapi-'))
  try {
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', JWT_SECRET: 'only-builds-the-document-0123456789' })
    const app = await buildApp(withJwtSecret(config))
    try {
      await app.ready()
      return `${JSON.stringify(app.swagger(), null, 2)}\n`
    } finally {
      await app.close()
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

/**
 * Generates the TypeScript client from the document at `documentPath` into `outputDir`
 * (emptied first): @hey-api/openapi-ts, its fetch client and SDK, with `.js` import
 * suffixes so that it runs as ESM under Node and type-checks with NodeNext.
 */
export async function generateTypeScriptClient (documentPath: string, outputDir: string): Promise<void> {
  await createClient({
    input: documentPath,
    output: { path: outputDir, module: { extension: '.js' }, tsConfigPath: null },
    plugins: ['@hey-api/typescript', '@hey-api/sdk', '@hey-api/client-fetch'],
    logs: { level: 'silent', file: false }
  })
}
