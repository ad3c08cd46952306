import { spawn } from 'node:child_process'
import { symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundle } from '../scripts/build.js'

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
 * Bundles src/ into `workDir`, not dist/: the bench measures the sources as they are now, and never swaps dist/
 * under someone's running server. The packages the bundle leaves out resolve through a link to node_modules.
 */
export async function buildServer (workDir: string): Promise<string> {
  const cli = join(workDir, 'dist/agora.js')
  await bundle(cli)
  await writeFile(join(workDir, 'package.json'), '{ "type": "module" }\n')
  await symlink(join(ROOT, 'node_modules'), join(workDir, 'node_modules'), 'dir')
  return cli
}
