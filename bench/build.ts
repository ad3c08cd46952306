import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where the repository lives; every path the bench uses hangs off it. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Runs a command to completion, its output on our stderr, and fails on a non-zero exit. */
export async function runToEnd (
  command: string, args: string[], options: { cwd: string, env?: NodeJS.ProcessEnv }
): Promise<void> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 2, 2] })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${String(code)}`)
}

/**
 * Compiles src/ as `npm run build` does, but into `workDir` instead of the shared dist/:
 * the bench measures the sources as they are now, and never swaps dist/ under someone
 * else's running server. The compiled files find the repository's node_modules through a
 * link, and `"type": "module"` tells Node that they are ES modules.
 * Returns the path of the compiled CLI.
 */
export async function buildServer (workDir: string): Promise<string> {
  const outDir = join(workDir, 'dist')
  try {
    await runToEnd(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: ROOT })
  } catch (error) {
    // tsc still emits on type errors. Type errors are `npm run typecheck`'s to report;
    // the bench measures the JavaScript that would run, and says that it was not clean.
    if (!existsSync(join(outDir, 'cli/index.js'))) throw error
    process.stderr.write('WARNING: src/ has type errors (above); measuring the JavaScript tsc emitted anyway\n')
  }
  await writeFile(join(workDir, 'package.json'), '{ "type": "module" }\n')
  await symlink(join(ROOT, 'node_modules'), join(workDir, 'node_modules'), 'dir')
  return join(outDir, 'cli/index.js')
}
