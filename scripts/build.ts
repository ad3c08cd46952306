// `npm run build`: src/ bundled into dist/agora.js, which `agora` and `npm start` run, so that Node starts on one
// module instead of hundreds, each resolved, read and compiled. Type checking is `npm run typecheck`'s.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

// Left to Node: native addons, and packages that read files beside their code (Swagger UI's assets, pino's workers).
const EXTERNAL = [
  'better-sqlite3', '@node-rs/*', 'pg-native',
  '@fastify/swagger', '@fastify/swagger-ui', 'pino', 'thread-stream'
]

// The CommonJS packages inside the bundle still call `require` and read `__dirname`.
const COMMONJS_GLOBALS = [
  "import { createRequire as agoraCreateRequire } from 'node:module'",
  "import { dirname as agoraDirname } from 'node:path'",
  "import { fileURLToPath as agoraFileURLToPath } from 'node:url'",
  'const require = agoraCreateRequire(import.meta.url)',
  'const __filename = agoraFileURLToPath(import.meta.url)',
  'const __dirname = agoraDirname(__filename)'
].join(';\n')

/** Bundles the CLI into `outfile`, and beside it the SQLite threads' modules, where src/db/db-thread.ts looks. */
export async function bundle (outfile = `${ROOT}dist/agora.js`): Promise<void> {
  await bundleEntry(`${ROOT}src/cli/index.ts`, outfile)
  for (const thread of ['sqlite-reader-thread', 'sqlite-writer-thread']) {
    await bundleEntry(`${ROOT}src/db/${thread}.ts`, join(dirname(outfile), `${thread}.js`))
  }
}

async function bundleEntry (entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    banner: { js: `${COMMONJS_GLOBALS};` },
    // Less source to read and compile; identifiers keep their names, for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    logLevel: 'warning'
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle(process.argv[2])
