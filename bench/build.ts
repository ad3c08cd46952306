import { spawn } from 'node:child_process'
import { symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundle } from '../scripts/build.js'

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
 * Bundles src/ as `npm run build` does, but into `workDir` instead of the shared dist/:
 * the bench measures the sources as they are now, and never swaps dist/ under someone
 * else's running server. The bundle finds the packages it leaves out (native addons and
 * the docs pages') in the repository's node_modules through a link, and `"type": "module"`
 * tells Node that it is an ES module. Returns the path of the bundled CLI.
 */
export async function buildServer (workDir: string): Promise<string> {
  const cli = join(workDir, 'dist/agora.js')
  await bundle(cli)
  await writeFile(join(workDir, 'package.json'), '{ "type": "module" }\n')
  await symlink(join(ROOT, 'node_modules'), join(workDir, 'node_modules'), 'dir')
  return cli
}
