import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import type { CompiledQuery } from 'kysely'
import { LinkedList } from '../lib/linked-list.js'
import { fromThreadError, startDbThread } from './db-thread.js'
import type { ReadReply, ReadRequest } from './sqlite-reader-thread.js'

type Pending = { id: number, resolve: (rows: unknown[]) => void, reject: (error: unknown) => void }

/** A process's share of the cores, at least one: reads are CPU work, and a thread beyond a core only waits. */
export function readerThreadCount (processes: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / processes))
}

/**
 * Threads for SQLite reads of a millisecond or more: as with PostgreSQL's backends, a burst slows other
 * requests by a share of the CPU, never blocks them. A thread that dies is replaced at the next read.
 */
export class SqliteReaderThreads {
  readonly #threads: ReaderThread[] = []
  #closed = false

  constructor (private readonly path: string, private readonly busyTimeoutMs: number, private readonly size: number) {}

  /** Threads started so far (and still alive), for tests. */
  get started (): number { return this.#threads.length }

  async read<R> ({ sql, parameters }: CompiledQuery): Promise<R[]> {
    // As the connections it sits beside: closed is closed, and no thread starts again.
    if (this.#closed) throw new TypeError('The database connection is not open')
    return await this.#leastBusy().read(sql, parameters) as R[]
  }

  async close (): Promise<void> {
    this.#closed = true
    const threads = this.#threads.splice(0)
    await Promise.all(threads.map(async (thread) => await thread.stop()))
  }

  #leastBusy (): ReaderThread {
    const idle = this.#threads.find((thread) => thread.waiting === 0)
    if (idle !== undefined) return idle
    if (this.#threads.length < this.size) {
      const thread = new ReaderThread(this.path, this.busyTimeoutMs, () => {
        const index = this.#threads.indexOf(thread)
        if (index >= 0) this.#threads.splice(index, 1)
      })
      this.#threads.push(thread)
      return thread
    }
    return this.#threads.reduce((least, thread) => thread.waiting < least.waiting ? thread : least)
  }
}

class ReaderThread {
  readonly #worker: Worker
  // Not a Map keyed by id (lib/linked-list.ts): a thread answers in order.
  readonly #pending = new LinkedList<Pending>()
  #nextId = 0

  constructor (path: string, busyTimeoutMs: number, onExit: () => void) {
    this.#worker = startDbThread('sqlite-reader-thread', { path, busyTimeoutMs })
    // Idle, it must not keep the process alive; `read` holds it while a reply is due.
    this.#worker.unref()
    this.#worker.on('message', (reply: ReadReply) => this.#settle(reply))
    this.#worker.on('error', (error) => this.#failAll(error))
    this.#worker.on('exit', (code) => {
      onExit()
      this.#failAll(new Error(`a SQLite reader thread exited with code ${code}`))
    })
  }

  get waiting (): number { return this.#pending.size }

  async read (sql: string, parameters: readonly unknown[]): Promise<unknown[]> {
    const id = this.#nextId++
    const request: ReadRequest = { id, sql, parameters }
    // Throws at once for a value that cannot be sent to a thread, before anything waits on it.
    this.#worker.postMessage(request)
    const rows = new Promise<unknown[]>((resolve, reject) => this.#pending.add({ id, resolve, reject }))
    if (this.#pending.size === 1) this.#worker.ref()
    return await rows
  }

  async stop (): Promise<void> {
    await this.#worker.terminate()
  }

  #settle (reply: ReadReply): void {
    const pending = this.#pending.take((pending) => pending.id === reply.id)
    if (pending === undefined) return
    if (this.#pending.size === 0) this.#worker.unref()
    if ('rows' in reply) pending.resolve(reply.rows)
    else pending.reject(fromThreadError(reply.error))
  }

  #failAll (error: unknown): void {
    for (const { reject } of this.#pending.clear()) reject(error)
  }
}
