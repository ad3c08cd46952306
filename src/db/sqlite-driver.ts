import type SQLite from 'better-sqlite3'
import {
  SelectQueryNode, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings
} from 'kysely'
import type { SqliteReaderThreads } from './sqlite-reader-threads.js'
import { rowsOf, StatementCache } from './statement-cache.js'

/** Units of work one commit may cover at most, so that a steady stream of writes still commits. */
const MAX_UNITS_PER_COMMIT = 256
/**
 * Reads one read transaction serves at most: a chain of reads that never yields (a
 * script awaiting query after query) would otherwise hold one snapshot for its whole run,
 * and the WAL could not be checkpointed past it.
 */
const MAX_READS_PER_SNAPSHOT = 64

type Unit = { resolve: () => void, reject: (error: unknown) => void }

/**
 * Run after each ANALYZE: drops the samples of indexed values it takes beside the
 * per-index averages, with which SQLite plans a statement again whenever a value
 * compared to an indexed column is bound, that is on every call (migration 0017).
 */
export const DROP_VALUE_SAMPLES = 'drop table if exists sqlite_stat4'

/**
 * Kysely's SQLite driver over two connections to one WAL file: reads run at once on a
 * read connection (sharing a read transaction, `readSnapshot`); every write is a
 * SAVEPOINT unit inside one `BEGIN IMMEDIATE`, and its caller resumes after the COMMIT
 * (one fsync) that covers every unit finished meanwhile. README, "How it stays fast".
 * One unit runs at a time; the group commits when none waits for the lock, on the next
 * turn of the event loop, or at MAX_UNITS_PER_COMMIT units.
 */
export class GroupCommitSqliteDriver implements Driver {
  readonly #writer: StatementCache
  readonly #reader: StatementCache
  readonly #lock = new WriteLock()
  #groupOpen = false
  #waitingForCommit: Unit[] = []
  #commitScheduled = false
  #commits = 0
  #readSnapshotOpen = false
  #readsInSnapshot = 0
  #readSnapshots = 0

  /** `threads`: for reads long enough that the event loop should serve others meanwhile (`readOffLoop`). */
  constructor (writer: SQLite.Database, reader: SQLite.Database, readonly threads: SqliteReaderThreads) {
    this.#writer = new StatementCache(writer)
    this.#reader = new StatementCache(reader)
  }

  /** Group commits so far: fewer than the units they covered when writes overlap. */
  get commits (): number { return this.#commits }

  /** Read transactions begun so far: fewer than the reads when they come together. */
  get readSnapshots (): number { return this.#readSnapshots }

  /** Statements prepared and kept, on the write and read connections. */
  get preparedStatements (): { writer: number, reader: number } {
    return { writer: this.#writer.size, reader: this.#reader.size }
  }

  async init (): Promise<void> {}

  async acquireConnection (): Promise<DatabaseConnection> {
    return new Session(this)
  }

  async beginTransaction (connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.startUnit()
    ;(connection as Session).inTransaction = true
  }

  async commitTransaction (connection: DatabaseConnection): Promise<void> {
    (connection as Session).inTransaction = false
    await this.finishUnit()
  }

  async rollbackTransaction (connection: DatabaseConnection): Promise<void> {
    (connection as Session).inTransaction = false
    this.abandonUnit()
  }

  async savepoint (connection: DatabaseConnection, name: string): Promise<void> {
    this.#writer.run(`savepoint "${name}"`)
  }

  async rollbackToSavepoint (connection: DatabaseConnection, name: string): Promise<void> {
    this.#writer.run(`rollback to "${name}"`)
  }

  async releaseSavepoint (connection: DatabaseConnection, name: string): Promise<void> {
    this.#writer.run(`release "${name}"`)
  }

  async releaseConnection (): Promise<void> {}

  async destroy (): Promise<void> {
    this.endReadSnapshot()
    await this.#lock.acquire()
    this.commitGroup()
    try {
      // SQLite's advice for long-lived connections: refreshes statistics of tables that grew.
      this.#writer.run('pragma optimize')
      this.#writer.run(DROP_VALUE_SAMPLES)
    } catch {
      // Advice only: a file already gone (or read-only) closes all the same.
    }
    this.#reader.close()
    this.#writer.close()
    await this.threads.close()
  }

  /** Runs a query of `session`: reads on the read connection, the rest as (or in) a unit. */
  async execute<R> (session: Session, query: CompiledQuery): Promise<QueryResult<R>> {
    if (session.inTransaction) return this.#writer.execute<R>(query)
    if (SelectQueryNode.is(query.query)) {
      const rows = this.read<R>(query)
      if (rows !== undefined) return { rows }
    }
    // Settings apply to the connection, and most cannot change inside a transaction.
    if (/^\s*pragma\b/i.test(query.sql)) {
      await this.#lock.acquire()
      try {
        this.commitGroup()
        return this.#writer.execute<R>(query)
      } finally {
        this.#lock.release()
      }
    }
    await this.startUnit()
    let result: QueryResult<R>
    try {
      result = this.#writer.execute<R>(query)
    } catch (error) {
      this.abandonUnit()
      throw error
    }
    await this.finishUnit()
    return result
  }

  /**
   * Runs a read-only statement on the read connection, in the task's read transaction;
   * undefined when the statement would write. Synchronous: the hot routes' prepared
   * queries call it directly (`directReader`), without Kysely's connection hand-off.
   */
  read<R> (query: CompiledQuery): R[] | undefined {
    const { statement, columns } = this.#reader.prepare(query.sql)
    if (!statement.readonly || columns === undefined) return undefined
    this.readSnapshot()
    return rowsOf<R>(statement, columns, query.parameters)
  }

  private async startUnit (): Promise<void> {
    await this.#lock.acquire()
    // A write may wait for another process's commit: what the caller reads next, in the
    // same task, must see that commit (the write may fail because of it).
    this.endReadSnapshot()
    try {
      if (!this.#groupOpen) {
        this.#writer.run('begin immediate')
        this.#groupOpen = true
      }
      this.#writer.run('savepoint agora_unit')
    } catch (error) {
      this.#lock.release()
      throw error
    }
  }

  /**
   * Opens a read transaction on the read connection, unless one is open: it ends once the
   * task in progress is done with its promises, so it never outlives a wait for I/O and a
   * read still sees every commit made before its request arrived (README, "How it stays fast").
   */
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

  /**
   * Ends read transaction `snapshot` once the task has no promise or nextTick left that
   * reads: a nextTick alone would run before the promises a synchronous read (a prepared
   * read in a hook) is followed by. A nextTick queued from a microtask runs once the
   * microtask queue is empty; it looks again while reads keep coming. Node runs both
   * queues dry before its next I/O callback, so no other request's read shares it.
   */
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

  /** Ends the unit and waits for the commit that makes it durable. */
  private async finishUnit (): Promise<void> {
    const durable = new Promise<void>((resolve, reject) => {
      this.#waitingForCommit.push({ resolve, reject })
    })
    try {
      this.#writer.run('release agora_unit')
    } catch (error) {
      this.#waitingForCommit.pop()
      this.abandonUnit()
      throw error
    }
    this.handOver()
    await durable
  }

  private abandonUnit (): void {
    try {
      this.#writer.run('rollback to agora_unit')
      this.#writer.run('release agora_unit')
    } catch (error) {
      // The savepoint is gone with the whole group (SQLite rolls back on some errors itself).
      this.failGroup(error)
    }
    this.handOver()
  }

  /** Passes the write lock on; commits first when the group is full, later when nobody waits. */
  private handOver (): void {
    if (this.#waitingForCommit.length >= MAX_UNITS_PER_COMMIT) this.commitGroup()
    this.#lock.release()
    if (this.#commitScheduled || !this.#groupOpen) return
    this.#commitScheduled = true
    setImmediate(() => {
      this.#commitScheduled = false
      // A unit in progress hands over again when it ends.
      if (!this.#lock.held) this.commitGroup()
    })
  }

  private commitGroup (): void {
    if (!this.#groupOpen) return
    const units = this.#waitingForCommit
    this.#waitingForCommit = []
    this.#groupOpen = false
    try {
      this.#writer.run('commit')
      this.#commits++
      // What the units wrote must be visible to their callers' next reads.
      this.endReadSnapshot()
    } catch (error) {
      this.#waitingForCommit = units
      this.failGroup(error)
      return
    }
    for (const unit of units) unit.resolve()
  }

  private failGroup (error: unknown): void {
    const units = this.#waitingForCommit
    this.#waitingForCommit = []
    this.#groupOpen = false
    if (this.#writer.inTransaction) this.#writer.run('rollback')
    for (const unit of units) unit.reject(error)
  }
}

/** What Kysely calls a connection: one caller's view, in a transaction or not. */
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

/** A FIFO lock: the writer's single seat. */
class WriteLock {
  #held = false
  readonly #waiting: Array<() => void> = []

  get held (): boolean { return this.#held }

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
