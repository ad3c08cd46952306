import { Worker } from 'node:worker_threads'
import SQLite from 'better-sqlite3'

/** A driver's error as a thread posts it: an Error does not cross intact. */
export interface ThreadError { name: string, message: string, code: unknown }

/** In a thread: `error` in a form that can be posted. */
export function toThreadError (error: unknown): ThreadError {
  const { name, message, code } = error as { name?: unknown, message?: unknown, code?: unknown }
  return { name: String(name ?? 'Error'), message: String(message), code }
}

/** On the event loop: the error as the connection would have thrown it here (its code decides a 409 or a 503). */
export function fromThreadError ({ name, message, code }: ThreadError): Error {
  if (name === 'SqliteError' && typeof code === 'string') return new SQLite.SqliteError(message, code)
  const error = name === 'RangeError' ? new RangeError(message) : name === 'TypeError' ? new TypeError(message) : new Error(message)
  return code === undefined ? error : Object.assign(error, { code })
}

/** Starts the thread module `name`; from source through tsx, whose hooks Node 20 does not pass to a worker. */
export function startDbThread (name: string, workerData: unknown): Worker {
  const fromSource = import.meta.url.endsWith('.ts')
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, import.meta.url)
  if (!fromSource) return new Worker(entry, { workerData })
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(boot, { eval: true, workerData })
}
