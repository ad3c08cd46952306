import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export interface RunningProcess {
  pid: number
  url: string
  /** From spawning the process to the first 2xx of its health path. */
  startupMs: number
  stop (): Promise<void>
}

/** A port nobody listens on right now: the OS picks it, we release it for the child. */
export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (address === null || typeof address === 'string') throw new Error('no TCP port available')
  return address.port
}

// Polled often: the time to the first 2xx is the cold start that issue 8 budgets.
async function waitForHealth (url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before answering ${url}`)
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.ok) return
    } catch {
      // Not listening yet: the server migrates and builds its routes first.
    }
    await sleep(5)
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`)
}

/**
 * Starts `node args…` in its own process, so that its CPU and memory are its own as in production. Its stdout, where
 * pino writes a line per request, goes to /dev/null for every server, so that logging costs what a cheap sink costs.
 */
export async function startProcess (
  name: string, args: string[], options: { cwd: string, env: NodeJS.ProcessEnv, port: number, healthPath: string }
): Promise<RunningProcess> {
  const started = performance.now()
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'ignore', 2] })
  const url = `http://127.0.0.1:${options.port}`
  const exited = once(child, 'exit')
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    // The server closes gracefully; one that hangs must not keep the bench from ending.
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(killer)
  }
  try {
    await waitForHealth(`${url}${options.healthPath}`, child, 60_000)
  } catch (error) {
    await stop()
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (child.pid === undefined) throw new Error(`${name} has no process id`)
  return { pid: child.pid, url, startupMs: performance.now() - started, stop }
}
