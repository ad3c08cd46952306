import { writeFile } from 'node:fs/promises'
import { DOCUMENT_PATH, generateTypeScriptClient, openApiText, TYPESCRIPT_CLIENT_DIR } from './generate.js'

// `npm run client`: writes clients/openapi.json from the routes, then the TypeScript client from it.
await writeFile(DOCUMENT_PATH, await openApiText())
await generateTypeScriptClient(DOCUMENT_PATH, TYPESCRIPT_CLIENT_DIR)
console.log(`Wrote ${DOCUMENT_PATH} and ${TYPESCRIPT_CLIENT_DIR}`)
