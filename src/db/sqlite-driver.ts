import type SQLite from 'better-sqlite3'
import {
  SelectQueryNode, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings
} from 'kysely'
import { atTurnEnd } from '../lib/turn-end.js'
import { SearchIndexLag } from './search-index-lag.js'
import type { SqliteReaderThreads } from './sqlite-reader-threads.js'
import { SqliteWriter } from './sqlite-writer.js'
import { rowsOf, StatementCache, type PreparedStatement } from './statement-cache.js'

// A chain of reads that never yields would otherwise hold one snapshot for its whole run,
// and the WAL could not be checkpointed past it.
const MAX_READS_PER_SNAPSHOT = 64

/**
 * Reads run on a read connection, in a shared read transaction: at once, or, for prepared reads,
 * together with those of other requests (`readTogether`). Writes go to the writer thread one unit
 * at a time, and a transaction holds the write lock from its BEGIN to its end. A unit's caller
 * resumes after the commit (one fsync) of its group: the units finished meanwhile, up to half of
 * those in flight (sqlite-writer-thread.ts).
 */
export class GroupCommitSqliteDriver implements Driver {
  readonly #writer: SqliteWriter
  readonly #reader: StatementCache
  readonly #searchIndexLag: SearchIndexLag
  readonly #lock = new WriteLock()
  // Units begun and not yet answered: waiting for the lock, being written or waiting for their commit.
  #unitsInFlight = 0
  #readSnapshotOpen = false
  #readsInSnapshot = 0
  #readSnapshots = 0
  #readsTogether: Array<() => void> | undefined

  /** `threads`: for reads long enough that the event loop should serve others meanwhile (`readOffLoop`). */
  constructor (path: string, reader: SQLite.Database, readonly threads: SqliteReaderThreads) {
    // What the units of a commit wrote must be visible to their callers' next reads.
    this.#writer = new SqliteWriter(path, () => this.endReadSnapshot())
    this.#reader = new StatementCache(reader)
    this.#searchIndexLag = new SearchIndexLag(this.#reader)
  }

  get commits (): number { return this.#writer.commits }

  get writerStarted (): boolean { return this.#writer.started }

  get readSnapshots (): number { return this.#readSnapshots }

  get preparedStatements (): { writer: number, reader: number } {
    return { writer: this.#writer.statements, reader: this.#reader.size }
  }

  // Kysely calls this before the first query, and destroys only a driver it initialized: the thread
  // starts with a server's first read at boot, beside the rest of the boot, and always gets closed.
  async init (): Promise<void> {
    this.#writer.start()
  }

  async acquireConnection (): Promise<DatabaseConnection> {
    return new Session(this)
  }

  async beginTransaction (connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    this.#unitsInFlight++
    await this.startUnit()
    try {
      await this.#writer.begin()
    } catch (error) {
      this.#lock.release()
      this.#unitsInFlight--
      throw error
    }
    ;(connection as Session).inTransaction = true
  }

  async commitTransaction (connection: DatabaseConnection): Promise<void> {
    (connection as Session).inTransaction = false
    const durable = this.#writer.finish(this.#lock.contended, this.#unitsInFlight)
    this.#lock.release()
    try {
      await durable
    } finally {
      this.#unitsInFlight--
    }
  }

  async rollbackTransaction (connection: DatabaseConnection): Promise<void> {
    (connection as Session).inTransaction = false
    const abandoned = this.#writer.abandon(this.#lock.contended)
    this.#lock.release()
    try {
      await abandoned
    } finally {
      this.#unitsInFlight--
    }
  }

  async savepoint (connection: DatabaseConnection, name: string): Promise<void> {
    await this.#writer.query(`savepoint "${name}"`)
  }

  async rollbackToSavepoint (connection: DatabaseConnection, name: string): Promise<void> {
    await this.#writer.query(`rollback to "${name}"`)
  }

  async releaseSavepoint (connection: DatabaseConnection, name: string): Promise<void> {
    await this.#writer.query(`release "${name}"`)
  }

  async releaseConnection (): Promise<void> {}

  async destroy (): Promise<void> {
    this.endReadSnapshot()
    await this.#lock.acquire()
    try {
      await this.#writer.close()
    } finally {
      this.#reader.close()
      await this.threads.close()
    }
  }

  async execute<R> (session: Session, query: CompiledQuery): Promise<QueryResult<R>> {
    if (session.inTransaction) return await this.#writer.query<R>(query)
    if (SelectQueryNode.is(query.query)) {
      const readable = this.readable(query)
      if (readable !== undefined) {
        if (this.searchIndexBehind(readable)) await this.catchUpSearchIndexes()
        return { rows: this.readNow<R>(readable, query) }
      }
    }
    this.#unitsInFlight++
    try {
      await this.startUnit()
      // Settings apply to the connection, and most cannot change inside a transaction.
      const done = /^\s*pragma\b/i.test(query.sql)
        ? this.#writer.alone<R>(query)
        : this.#writer.unit<R>(query, this.#lock.contended, this.#unitsInFlight)
      // Sent: the thread runs what comes next after it, so the next unit may be sent now.
      this.#lock.release()
      return await done
    } finally {
      this.#unitsInFlight--
    }
  }

  /** A read on a reader thread (`readOffLoop`), once the search indexes it reads hold every committed row. */
  async readOffLoop<R> (query: CompiledQuery): Promise<R[]> {
    const readable = this.readable(query)
    if (readable !== undefined && this.searchIndexBehind(readable)) await this.catchUpSearchIndexes()
    return await this.threads.read<R>(query)
  }

  /**
   * A prepared read, run with the others made while the event loop serves the I/O of one poll, once
   * that is done (`atTurnEnd`); undefined if the statement writes. A read transaction takes and
   * drops file locks, dearer than a read by primary key, and these reads share one: it begins after
   * each of them was asked for, so each still sees every commit made before its request arrived.
   */
  readTogether<R> (query: CompiledQuery): Promise<R[]> | undefined {
    const readable = this.readable(query)
    if (readable === undefined) return undefined
    let group = this.#readsTogether
    if (group === undefined) {
      const reads: Array<() => void> = group = this.#readsTogether = []
      atTurnEnd(() => {
        this.#readsTogether = undefined
        for (const read of reads) read()
      })
    }
    return new Promise<R[]>((resolve, reject) => {
      group.push(() => {
        try {
          if (this.searchIndexBehind(readable)) {
            this.catchUpSearchIndexes().then(() => this.readNow<R>(readable, query)).then(resolve, reject)
            return
          }
          resolve(this.readNow<R>(readable, query))
        } catch (error) {
          reject(error)
        }
      })
    })
  }

  // The read connection's statement for `query`, unless it writes.
  private readable (query: CompiledQuery): Readable | undefined {
    const { statement, toRow } = this.#reader.prepare(query.sql)
    return statement.readonly && toRow !== undefined ? { statement, toRow } : undefined
  }

  private readNow<R> ({ statement, toRow }: Readable, query: CompiledQuery): R[] {
    this.readSnapshot()
    return rowsOf<R>(statement, toRow, query.parameters)
  }

  // In the snapshot the statement will read (search-index-lag.ts).
  private searchIndexBehind ({ statement }: Readable): boolean {
    const test = this.#searchIndexLag.testFor(statement)
    if (test === null) return false
    this.readSnapshot()
    // Prepared on this connection, whose statements give rows as arrays (statement-cache.ts).
    return (test.get() as [number])[0] === 1
  }

  // Sent as a unit, so that it commits with a group and never inside a transaction.
  private async catchUpSearchIndexes (): Promise<void> {
    this.#unitsInFlight++
    try {
      await this.startUnit()
      const caughtUp = this.#writer.catchUp(this.#lock.contended, this.#unitsInFlight)
      this.#lock.release()
      await caughtUp
    } finally {
      this.#unitsInFlight--
    }
  }

  private async startUnit (): Promise<void> {
    await this.#lock.acquire()
    // A write may wait for another process's commit: what the caller reads next, in the
    // same task, must see that commit (the write may fail because of it).
    this.endReadSnapshot()
  }

  // The read transaction ends once the task is done with its promises: it never outlives a
  // wait for I/O, and a read sees every commit made before its request arrived.
  private readSnapshot (): void {
    if (this.#readSnapshotOpen && this.#readsInSnapshot < MAX_READS_PER_SNAPSHOT) {
      this.#readsInSnapshot++
      return
    }
    this.endReadSnapshot()
    this.#reader.run('begin')
    this.#readSnapshotOpen = true
    this.#readsInSnapshot = 1
    this.#readSnapshots++
    this.endWhenTaskIsDone(this.#readSnapshots, 1)
  }

  // A nextTick alone would run before the promises that follow a synchronous read; one queued
  // from a microtask runs once they are done, and looks again while reads keep coming. Node
  // empties both queues before its next I/O callback, so no other request's read shares it.
  private endWhenTaskIsDone (snapshot: number, readsSeen: number): void {
    queueMicrotask(() => {
      process.nextTick(() => {
        if (!this.#readSnapshotOpen || this.#readSnapshots !== snapshot) return
        if (this.#readsInSnapshot === readsSeen) this.endReadSnapshot()
        else this.endWhenTaskIsDone(snapshot, this.#readsInSnapshot)
      })
    })
  }

  private endReadSnapshot (): void {
    if (!this.#readSnapshotOpen) return
    this.#readSnapshotOpen = false
    this.#reader.run('commit')
  }
}

// A read connection's statement that only reads, with the builder of its rows.
type Readable = PreparedStatement & { toRow: NonNullable<PreparedStatement['toRow']> }

// What Kysely calls a connection: one caller's view, in a transaction or not.
class Session implements DatabaseConnection {
  inTransaction = false

  constructor (private readonly driver: GroupCommitSqliteDriver) {}

  async executeQuery<R> (query: CompiledQuery): Promise<QueryResult<R>> {
    return await this.driver.execute<R>(this, query)
  }

  async * streamQuery<R> (): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on SQLite')
  }
}

// A FIFO lock: the writer's single seat.
class WriteLock {
  #held = false
  readonly #waiting: Array<() => void> = []

  /** Whether someone waits for the lock: the next holder's unit is on its way. */
  get contended (): boolean { return this.#waiting.length > 0 }

  async acquire (): Promise<void> {
    if (!this.#held) {
      this.#held = true
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }

  release (): void {
    const next = this.#waiting.shift()
    if (next === undefined) this.#held = false
    else next()
  }
}
