import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import SQLite from 'better-sqlite3'
import { Kysely, sql, type Generated } from 'kysely'
import { WAL_PAGES_BEFORE_CHECKPOINT } from '../../src/db/sqlite-connection.js'
import { SqliteDialectForAgora } from '../../src/db/sqlite.js'
import type { GroupCommitSqliteDriver } from '../../src/db/sqlite-driver.js'
import { SqliteWriter } from '../../src/db/sqlite-writer.js'

interface TestDb { items: { id: Generated<number>, name: string } }

function open (t: TestContext): { db: Kysely<TestDb>, driver: GroupCommitSqliteDriver, path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agora-driver-'))
  const path = join(dir, 'test.db')
  const dialect = new SqliteDialectForAgora(path)
  let driver: GroupCommitSqliteDriver | undefined
  // Keep a handle on the driver Kysely creates, to read its counters.
  const db = new Kysely<TestDb>({
    dialect: {
      ...dialectMethods(dialect),
      createDriver: () => (driver = dialect.createDriver() as GroupCommitSqliteDriver)
    }
  })
  t.after(async () => {
    await db.destroy()
    rmSync(dir, { recursive: true, force: true })
  })
  return { db, get driver () { return driver! }, path }
}

function dialectMethods (dialect: SqliteDialectForAgora) {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<any>) => dialect.createIntrospector(db)
  }
}

async function createTable (db: Kysely<TestDb>): Promise<void> {
  await db.schema.createTable('items').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'text', (c) => c.notNull().unique()).execute()
}

// sqlite.org/fileformat.html: the WAL's own header, and each frame's before its page.
const WAL_HEADER_BYTES = 32
const WAL_FRAME_HEADER_BYTES = 24

/** `read` on a connection of another process's kind, which sees only what is committed. */
function readOther<T> (path: string, read: (other: SQLite.Database) => T): T {
  const other = new SQLite(path, { readonly: true })
  try {
    return read(other)
  } finally {
    other.close()
  }
}

function pragmaOf (path: string, name: string): number {
  return readOther(path, (other) => other.pragma(name, { simple: true }) as number)
}

function committedNames (path: string): string[] {
  return readOther(path, (other) => (other.prepare('select name from items order by id').all() as Array<{ name: string }>).map((row) => row.name))
}

/**
 * 200 overlapping writes of one item each: every one is committed (another connection
 * sees it) when it returns, and they share fewer than 50 commits.
 */
async function assertOverlappingWritesCommitted (
  t: TestContext, kind: string, write: (db: Kysely<TestDb>, name: string) => Promise<void>
): Promise<void> {
  const { db, driver, path } = open(t)
  await createTable(db)
  const commitsBefore = driver.commits
  const names = Array.from({ length: 200 }, (_, i) => `item-${i}`)
  await Promise.all(names.map(async (name) => {
    await write(db, name)
    // Acknowledged: another connection must see it now.
    t.assert.ok(committedNames(path).includes(name), `${name} is committed when its ${kind} returns`)
  }))
  t.assert.deepStrictEqual(committedNames(path), names)
  const commits = driver.commits - commitsBefore
  t.assert.ok(commits >= 1 && commits < 50, `200 overlapping ${kind}s took ${commits} commits`)
}

describe('SQLite driver', () => {
  it('prepares a statement once however often it runs', async (t: TestContext) => {
    const { db, driver } = open(t)
    await createTable(db)
    await db.insertInto('items').values({ name: 'a' }).execute()
    // The read transaction's own statements are prepared by the first read.
    await db.selectFrom('items').select('id').execute()
    const before = driver.preparedStatements.reader
    for (let i = 0; i < 50; i++) await db.selectFrom('items').selectAll().where('id', '=', i).execute()
    t.assert.strictEqual(driver.preparedStatements.reader, before + 1)
  })

  it('starts its writer thread with its first query, a read, and none while nothing is asked', async (t: TestContext) => {
    const { db, driver } = open(t)
    t.assert.strictEqual(driver.writerStarted, false)
    await db.selectNoFrom(sql<number>`1`.as('one')).execute()
    t.assert.strictEqual(driver.writerStarted, true)
    t.assert.strictEqual(driver.commits, 0)
  })

  it('gives rows as better-sqlite3 would, on the read connection and in a transaction alike', async (t: TestContext) => {
    const { db } = open(t)
    await createTable(db)
    await db.insertInto('items').values([{ name: 'a' }, { name: 'b' }]).execute()
    const query = sql<Record<string, unknown>>`select id, name, name as "Name", 1.5 as ratio, null as missing, x'00ff' as bytes, id as name from items order by id`
    const expected = [
      { id: 1, name: 1, Name: 'a', ratio: 1.5, missing: null, bytes: Buffer.from([0, 255]) },
      { id: 2, name: 2, Name: 'b', ratio: 1.5, missing: null, bytes: Buffer.from([0, 255]) }
    ]
    const reference = new SQLite(':memory:')
    t.after(() => reference.close())
    // A column named twice keeps its last value, as better-sqlite3's own rows do.
    t.assert.deepStrictEqual(reference.prepare('select 1 as name, 2 as name').get(), { name: 2 })
    t.assert.deepStrictEqual((await query.execute(db)).rows, expected)
    t.assert.deepStrictEqual(await db.transaction().execute(async (trx) => (await query.execute(trx)).rows), expected)
    t.assert.deepStrictEqual((await sql`select 1 where 0`.execute(db)).rows, [])
  })

  it('gives each column as a field of its own, whatever its name', async (t: TestContext) => {
    const { db } = open(t)
    await createTable(db)
    await db.insertInto('items').values({ name: 'a' }).execute()
    const odd = (await db.selectFrom('items').select(['name as constructor', 'name as it\'s "quoted" }; (', 'id as 0'])
      .execute())[0] as Record<string, unknown>
    t.assert.deepStrictEqual({ ...odd }, { 0: 1, constructor: 'a', 'it\'s "quoted" }; (': 'a' })
    const proto = (await db.selectFrom('items').select(['name as __proto__', 'id']).execute())[0] as Record<string, unknown>
    t.assert.deepStrictEqual(Object.getOwnPropertyNames(proto).sort(), ['__proto__', 'id'])
    t.assert.strictEqual(Object.getPrototypeOf(proto), Object.prototype)
  })

  it('answers a write only once it is committed, and commits overlapping writes together', async (t: TestContext) => {
    await assertOverlappingWritesCommitted(t, 'transaction', async (db, name) => {
      await db.transaction().execute(async (trx) => { await trx.insertInto('items').values({ name }).execute() })
    })
  })

  it('answers a statement outside a transaction only once it is committed, in a group with others', async (t: TestContext) => {
    await assertOverlappingWritesCommitted(t, 'insert', async (db, name) => {
      await db.insertInto('items').values({ name }).execute()
    })
  })

  it('commits once a group holds half the units in flight, answering them while it writes the others', async (t: TestContext) => {
    const { db, driver, path } = open(t)
    await createTable(db)
    const commitsBefore = driver.commits
    const names = Array.from({ length: 20 }, (_, i) => `item-${i}`)
    // The last unit takes hundreds of milliseconds: the first half must not wait for it.
    const slowInsert = async (name: string) => await sql`insert into items (name) select ${name}
      from (with recursive n(x) as (select 1 union all select x + 1 from n where x < 2000000) select count(*) from n)`.execute(db)
    const writes = names.map(async (name, i) =>
      i === names.length - 1 ? await slowInsert(name) : await db.insertInto('items').values({ name }).execute())
    await writes[0]
    t.assert.deepStrictEqual(committedNames(path), names.slice(0, 10))
    await Promise.all(writes)
    t.assert.deepStrictEqual(committedNames(path), names)
    t.assert.strictEqual(driver.commits - commitsBefore, 2)
  })

  it('rolls back a failed transaction alone, keeping the others of its group', async (t: TestContext) => {
    const { db, path } = open(t)
    await createTable(db)
    await db.insertInto('items').values({ name: 'taken' }).execute()
    const results = await Promise.allSettled([
      db.transaction().execute(async (trx) => { await trx.insertInto('items').values({ name: 'first' }).execute() }),
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ name: 'half-written' }).execute()
        await trx.insertInto('items').values({ name: 'taken' }).execute()
      }),
      db.insertInto('items').values({ name: 'taken' }).execute(),
      db.transaction().execute(async (trx) => { await trx.insertInto('items').values({ name: 'last' }).execute() })
    ])
    t.assert.deepStrictEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled'])
    t.assert.deepStrictEqual(committedNames(path), ['taken', 'first', 'last'])
  })

  it('fails a statement alone and keeps its group together for the writes sent after it', async (t: TestContext) => {
    const { db, driver, path } = open(t)
    await createTable(db)
    await db.insertInto('items').values({ name: 'taken' }).execute()
    const commitsBefore = driver.commits
    const names = Array.from({ length: 100 }, (_, i) => i % 2 === 0 ? `item-${i}` : 'taken')
    const results = await Promise.allSettled(names.map(async (name) => await db.insertInto('items').values({ name }).execute()))
    t.assert.deepStrictEqual(results.map((r) => r.status), names.map((name) => name === 'taken' ? 'rejected' : 'fulfilled'))
    t.assert.deepStrictEqual(committedNames(path), ['taken', ...names.filter((name) => name !== 'taken')])
    const commits = driver.commits - commitsBefore
    t.assert.ok(commits >= 1 && commits <= 2, `100 overlapping inserts, half of them failing, took ${commits} commits`)
  })

  it('reads outside a transaction see only committed rows, and do not wait for a running transaction', async (t: TestContext) => {
    const { db } = open(t)
    await createTable(db)
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    const writing = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ name: 'pending' }).execute()
      await held
    })
    await new Promise((resolve) => setImmediate(resolve))
    t.assert.deepStrictEqual(await db.selectFrom('items').select('name').execute(), [])
    release()
    await writing
    t.assert.deepStrictEqual(await db.selectFrom('items').select('name').execute(), [{ name: 'pending' }])
  })

  it('shares one read transaction among the reads of one task, and begins another after I/O', async (t: TestContext) => {
    const { db, driver, path } = open(t)
    await createTable(db)
    await db.insertInto('items').values({ name: 'a' }).execute()
    const before = driver.readSnapshots
    const names = async (): Promise<string[]> => (await db.selectFrom('items').select('name').orderBy('id').execute()).map((row) => row.name)
    t.assert.deepStrictEqual(await Promise.all([names(), names(), names()]), [['a'], ['a'], ['a']])
    t.assert.strictEqual(driver.readSnapshots, before + 1)
    // Another process commits; this one's next task sees it, in a read transaction of its own.
    const other = new SQLite(path)
    other.prepare('insert into items (name) values (?)').run('b')
    other.close()
    await new Promise((resolve) => setImmediate(resolve))
    t.assert.deepStrictEqual(await names(), ['a', 'b'])
    t.assert.strictEqual(driver.readSnapshots, before + 2)
  })

  it('keeps a synchronous read and the awaited reads after it in one read transaction, until the next callback', async (t: TestContext) => {
    const { db, driver, path } = open(t)
    await createTable(db)
    await db.insertInto('items').values({ name: 'a' }).execute()
    const query = db.selectFrom('items').select('name').orderBy('id').compile()
    const session = await driver.acquireConnection()
    // The driver reads before its promise is returned.
    const names = async (): Promise<string[]> =>
      (await session.executeQuery<{ name: string }>(query)).rows.map((row) => row.name)
    const other = new SQLite(path)
    t.after(() => other.close())
    // As a request's reads at once do: one run synchronously by an I/O callback, then more
    // after awaits; another process commits between two callbacks.
    type Seen = Array<Promise<string[]>>
    const { seen, snapshots } = await new Promise<{ seen: Seen, snapshots: number }>((resolve, reject) => {
      setImmediate(() => {
        const before = driver.readSnapshots
        const seen = [names()]
        Promise.resolve().then(async () => {
          await Promise.resolve()
          seen.push(names())
          await new Promise<void>((resolve) => { process.nextTick(resolve) })
          seen.push(names())
          other.prepare('insert into items (name) values (?)').run('b')
          setImmediate(() => {
            seen.push(names())
            resolve({ seen, snapshots: driver.readSnapshots - before })
          })
        }).catch(reject)
      })
    })
    t.assert.deepStrictEqual(await Promise.all(seen), [['a'], ['a'], ['a'], ['a', 'b']])
    t.assert.strictEqual(snapshots, 2)
  })

  it('runs the prepared reads asked for in one poll together, in one read transaction begun after them', async (t: TestContext) => {
    const { db, driver, path } = open(t)
    await createTable(db)
    await db.insertInto('items').values({ name: 'a' }).execute()
    const query = db.selectFrom('items').select('name').orderBy('id').compile()
    const other = new SQLite(path)
    t.after(() => other.close())
    await new Promise((resolve) => setImmediate(resolve))
    const before = driver.readSnapshots
    // As concurrent requests do, each from a callback of the same turn of the event loop.
    const reads = await new Promise<Array<Promise<Array<{ name: string }>>>>((resolve) => {
      const asked: Array<Promise<Array<{ name: string }>>> = []
      for (let i = 0; i < 3; i++) setImmediate(() => { asked.push(driver.readTogether<{ name: string }>(query)!) })
      setImmediate(() => {
        // Another process commits after the reads were asked for: they begin after it.
        other.prepare('insert into items (name) values (?)').run('b')
        resolve(asked)
      })
    })
    const seen = await Promise.all(reads)
    t.assert.deepStrictEqual(seen.map((rows) => rows.map(({ name }) => name)), [['a', 'b'], ['a', 'b'], ['a', 'b']])
    t.assert.strictEqual(driver.readSnapshots, before + 1)
    // Each read after an await is asked for in another poll, and gets a read transaction of its own.
    for (let i = 0; i < 3; i++) await driver.readTogether(query)
    t.assert.strictEqual(driver.readSnapshots, before + 4)
  })

  it('leaves a statement that writes to the writer, and fails a read alone', async (t: TestContext) => {
    const { db, driver } = open(t)
    await createTable(db)
    const writes = db.insertInto('items').values({ name: 'a' }).returning('id').compile()
    t.assert.strictEqual(driver.readTogether(writes), undefined)
    // Fails as it runs, not as it is prepared.
    const overflowing = sql`select abs(-9223372036854775808) as value`.compile(db)
    const read = db.selectFrom('items').select('name').compile()
    const [failed, fine] = await Promise.allSettled([driver.readTogether(overflowing), driver.readTogether(read)])
    t.assert.strictEqual(failed.status, 'rejected')
    t.assert.deepStrictEqual(fine, { status: 'fulfilled', value: [] })
  })

  it('begins a new read transaction after 64 reads, even in a chain that never yields', async (t: TestContext) => {
    const { db, driver } = open(t)
    await createTable(db)
    await new Promise((resolve) => setImmediate(resolve))
    const before = driver.readSnapshots
    for (let i = 0; i < 130; i++) await db.selectFrom('items').select('id').execute()
    t.assert.strictEqual(driver.readSnapshots, before + 3)
  })

  it('ends its read transaction on its own commit, so a caller reads what it wrote', async (t: TestContext) => {
    const { db } = open(t)
    await createTable(db)
    const count = async (): Promise<number> =>
      (await db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()).count
    // A read opens a snapshot, then 256 writes (a full group) are sent in the same task,
    // and each writer reads right after its commit.
    const opening = count()
    const seen = await Promise.all(Array.from({ length: 256 }, async (_, i) => {
      await db.insertInto('items').values({ name: `n${i}` }).execute()
      const own = await db.selectFrom('items').select('name').where('name', '=', `n${i}`).execute()
      return { own: own.length, count: await count() }
    }))
    t.assert.strictEqual(await opening, 0)
    t.assert.ok(seen.every(({ own }) => own === 1), 'every writer reads its own row')
    t.assert.strictEqual(Math.max(...seen.map(({ count }) => count)), 256)
  })

  it('ends its read transaction when it begins a write, so a failed write reads what made it fail', async (t: TestContext) => {
    const { db, path } = open(t)
    await createTable(db)
    // All in one task, as Kysely's migrator does: a read finds no row, another process
    // inserts it, this one's insert fails on the unique name, and its next read must see it.
    const exists = async (): Promise<boolean> => (await db.selectFrom('items').select('id').where('name', '=', 'lock').executeTakeFirst()) !== undefined
    t.assert.strictEqual(await exists(), false)
    const other = new SQLite(path)
    other.prepare('insert into items (name) values (?)').run('lock')
    other.close()
    await t.assert.rejects(db.insertInto('items').values({ name: 'lock' }).execute(), /UNIQUE/)
    t.assert.strictEqual(await exists(), true)
  })

  it('writes beside the event loop: a read answers while a long write runs', async (t: TestContext) => {
    const { db, path } = open(t)
    await createTable(db)
    await db.insertInto('items').values({ name: 'first' }).execute()
    const order: string[] = []
    // Hundreds of thousands of rows in one statement: on the event loop's own connection,
    // nothing else would run until it committed.
    const long = sql`insert into items (name) with recursive n(i) as (select 1 union all select i + 1 from n where i < 400000)
      select 'row-' || i from n`.execute(db).then(() => order.push('write'))
    await new Promise((resolve) => setTimeout(resolve, 1))
    const names = await db.selectFrom('items').select('name').where('id', '=', 1).execute()
    order.push('read')
    await long
    t.assert.deepStrictEqual(names, [{ name: 'first' }])
    t.assert.deepStrictEqual(order, ['read', 'write'])
    t.assert.strictEqual(committedNames(path).length, 400001)
  })

  it('fails a write with the driver\'s own error and code', async (t: TestContext) => {
    const { db } = open(t)
    await createTable(db)
    await db.insertInto('items').values({ name: 'taken' }).execute()
    for (const write of [
      db.insertInto('items').values({ name: 'taken' }).execute(),
      db.transaction().execute(async (trx) => { await trx.insertInto('items').values({ name: 'taken' }).execute() })
    ]) {
      await t.assert.rejects(write, (error: unknown) => {
        t.assert.ok(error instanceof SQLite.SqliteError)
        t.assert.strictEqual((error as { code?: unknown }).code, 'SQLITE_CONSTRAINT_UNIQUE')
        return true
      })
    }
  })

  it('starts its writer thread again after it ended, losing nothing committed', async (t: TestContext) => {
    const { db, path } = open(t)
    await createTable(db)
    const writer = new SqliteWriter(path)
    const insert = (name: string) => db.insertInto('items').values({ name }).compile()
    await writer.unit(insert('before'), false, 1)
    await writer.close()
    await writer.unit(insert('after'), false, 1)
    await writer.close()
    t.assert.deepStrictEqual(committedNames(path), ['before', 'after'])
  })

  it('checkpoints the WAL once a commit takes it past WAL_PAGES_BEFORE_CHECKPOINT pages, then writes it again from the start', async (t: TestContext) => {
    const { db, path } = open(t)
    await createTable(db)
    const pageSize = pragmaOf(path, 'page_size')
    // Each insert writes some 30 pages (its name overflows the row and the unique index alike);
    // more than twice the threshold in all, one commit each.
    const name = (i: number) => `${i}:${'x'.repeat(15 * pageSize)}`
    for (let i = 0; i < (2 * WAL_PAGES_BEFORE_CHECKPOINT) / 30 + 50; i++) await db.insertInto('items').values({ name: name(i) }).execute()
    // The WAL file keeps the length of its longest run between checkpoints.
    const frames = (statSync(`${path}-wal`).size - WAL_HEADER_BYTES) / (pageSize + WAL_FRAME_HEADER_BYTES)
    t.assert.ok(frames >= WAL_PAGES_BEFORE_CHECKPOINT && frames < WAL_PAGES_BEFORE_CHECKPOINT + 100, `the WAL grew to ${frames} pages`)
  })

  it('applies connection settings outside any group', async (t: TestContext) => {
    const { db } = open(t)
    await createTable(db)
    await Promise.all([db.insertInto('items').values({ name: 'x' }).execute(), sql`pragma synchronous = NORMAL`.execute(db)])
    const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db)
    t.assert.strictEqual(rows[0]?.synchronous, 1)
  })
})
