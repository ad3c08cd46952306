import type { Worker } from 'node:worker_threads'
import type { CompiledQuery, QueryResult } from 'kysely'
import { LinkedList } from '../lib/linked-list.js'
import { fromThreadError, startDbThread } from './db-thread.js'
import type { WriteReplies, WriteRequest } from './sqlite-writer-thread.js'

type Pending = { id: number, resolve: (result: QueryResult<any> | null) => void, reject: (error: unknown) => void }
type Request = WriteRequest extends infer R ? R extends { id: number } ? Omit<R, 'id'> : never : never

/**
 * The write connection, in its own thread so that SQLite's work and the fsync run beside the event
 * loop. Requests run in the order sent; the caller keeps them from interleaving. A thread that dies
 * fails what it was asked and is replaced: what it had not committed was never acknowledged.
 */
export class SqliteWriter {
  // Not a Map keyed by id (lib/linked-list.ts): replies come in the order sent, so a reply's
  // request is near the front.
  readonly #pending = new LinkedList<Pending>()
  #worker: Worker | undefined
  #nextId = 0
  #commits = 0
  #statements = 0

  /** `onCommit`: runs before the units a commit covers are answered. */
  constructor (private readonly path: string, private readonly onCommit: () => void = () => {}) {}

  /** Starts the thread ahead of the first write: a server's first `/ready` waited about 100 ms for it. */
  start (): void { this.#thread() }

  get commits (): number { return this.#commits }

  /** Whether the thread runs now, for tests. */
  get started (): boolean { return this.#worker !== undefined }

  get statements (): number { return this.#statements }

  /** A statement as a unit of its own, resolved once committed; `more` and `inFlight` as in `WriteRequest`. */
  async unit<R> (query: CompiledQuery, more: boolean, inFlight: number): Promise<QueryResult<R>> {
    return await this.#request({ op: 'unit', query: sendable(query), more, inFlight }) as QueryResult<R>
  }

  /** Opens a unit that `query` fills and `finish` or `abandon` ends. */
  async begin (): Promise<void> { await this.#request({ op: 'begin' }) }

  async query<R> (query: CompiledQuery | string): Promise<QueryResult<R>> {
    return await this.#request({ op: 'query', query: sendable(query) }) as QueryResult<R>
  }

  /** Ends the open unit; resolves once it is committed. `more` and `inFlight` as for `unit`. */
  async finish (more: boolean, inFlight: number): Promise<void> { await this.#request({ op: 'finish', more, inFlight }) }

  async abandon (more: boolean): Promise<void> { await this.#request({ op: 'abandon', more }) }

  /** Resolves once the search indexes hold every row committed before; `more` and `inFlight` as for `unit`. */
  async catchUp (more: boolean, inFlight: number): Promise<void> { await this.#request({ op: 'catch-up', more, inFlight }) }

  /** Commits what the group holds, then runs `query` outside any transaction. */
  async alone<R> (query: CompiledQuery): Promise<QueryResult<R>> {
    return await this.#request({ op: 'alone', query: sendable(query) }) as QueryResult<R>
  }

  async close (): Promise<void> {
    const worker = this.#worker
    if (worker === undefined) return
    try {
      await this.#request({ op: 'close' })
    } finally {
      await worker.terminate()
    }
  }

  /** Sends `request` at once (so that requests keep their order); its answer later. */
  async #request (request: Request): Promise<QueryResult<unknown> | null> {
    const worker = this.#thread()
    const id = this.#nextId++
    // The caller's own object, given its id in place: a spread copy made each write promote about
    // 145 bytes more into V8's old generation (README, "Memory under writes").
    const message = request as WriteRequest
    message.id = id
    worker.postMessage(message)
    if (this.#pending.size === 0) worker.ref()
    return await new Promise((resolve, reject) => this.#pending.add({ id, resolve, reject }))
  }

  #thread (): Worker {
    if (this.#worker !== undefined) return this.#worker
    const worker = startDbThread('sqlite-writer-thread', { path: this.path })
    // Idle, it must not keep the process alive; a request holds it while an answer is due.
    worker.unref()
    worker.on('message', (message: WriteReplies) => this.#settle(message))
    worker.on('error', (error) => this.#failAll(error))
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined
      this.#failAll(new Error(`the SQLite writer thread exited with code ${code}`))
    })
    this.#worker = worker
    return worker
  }

  #settle ({ replies, commits, statements }: WriteReplies): void {
    this.#statements = statements
    if (commits !== this.#commits) {
      this.#commits = commits
      this.onCommit()
    }
    for (const reply of replies) {
      const pending = this.#pending.take((pending) => pending.id === reply.id)
      if (pending === undefined) continue
      if ('result' in reply) pending.resolve(reply.result === null ? null : withBuffers(reply.result))
      else pending.reject(fromThreadError(reply.error))
    }
    if (this.#pending.size === 0) this.#worker?.unref()
  }

  #failAll (error: unknown): void {
    for (const { reject } of this.#pending.clear()) reject(error)
  }
}

function sendable (query: CompiledQuery | string): { sql: string, parameters: readonly unknown[] } {
  return typeof query === 'string' ? { sql: query, parameters: [] } : { sql: query.sql, parameters: query.parameters }
}

/** A thread sends a Buffer as a plain Uint8Array: blobs come back as better-sqlite3 gives them. */
function withBuffers<R> (result: QueryResult<R>): QueryResult<R> {
  for (const row of result.rows as Array<Record<string, unknown>>) {
    for (const key in row) {
      const value = row[key]
      if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
        row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      }
    }
  }
  return result
}
