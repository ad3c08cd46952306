import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { runToEnd } from './build.js'

export interface BenchDatabase {
  label: string
  /** What the server and the seed command need on top of the shared settings. */
  env: NodeJS.ProcessEnv
  /** The SQLite file, which the floors open too. */
  file?: string
  /** Brings the freshly seeded database to the state a live one is in (planner statistics). */
  settle (): Promise<void>
  drop (): Promise<void>
}

export interface SeedCounts {
  users: number
  products: number
  posts: number
}

/** A fresh SQLite file in its own DATA_DIR, gone with the work directory. */
export async function sqliteDatabase (workDir: string): Promise<BenchDatabase> {
  const dataDir = join(workDir, 'sqlite')
  await mkdir(dataDir)
  const file = join(dataDir, 'agora.db')
  return {
    label: 'sqlite',
    env: { DATA_DIR: dataDir, DATABASE_URL: `sqlite:${file}` },
    file,
    // Nothing in Agora runs ANALYZE on SQLite, so a live database has no statistics either.
    settle: async () => {},
    drop: async () => {}
  }
}

/** A throwaway schema, made by the migrations and dropped at the end: the bench touches no tables it did not make. */
export async function postgresDatabase (url: string, workDir: string): Promise<BenchDatabase> {
  const schema = `agora_bench_${randomBytes(4).toString('hex')}`
  const dataDir = join(workDir, 'postgres')
  await mkdir(dataDir)
  const withClient = async (work: (client: pg.Client) => Promise<void>): Promise<void> => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try { await work(client) } finally { await client.end() }
  }
  return {
    label: 'postgres',
    env: { DATA_DIR: dataDir, DATABASE_URL: url, DATABASE_SCHEMA: schema },
    // Autovacuum keeps a live database vacuumed and analyzed, and plans change with that; a bulk load leaves
    // neither, and autovacuum may be off. ANALYZE alone can turn the search's count into a sequential scan.
    // Only our schema's tables: a database-wide VACUUM would touch other people's.
    settle: async () => {
      await withClient(async (client) => {
        const { rows } = await client.query<{ tablename: string }>('select tablename from pg_tables where schemaname = $1', [schema])
        for (const { tablename } of rows) await client.query(`vacuum analyze "${schema}"."${tablename}"`)
      })
    },
    drop: async () => {
      await withClient(async (client) => { await client.query(`drop schema if exists "${schema}" cascade`) })
    }
  }
}

/** Migrates and fills the database with the project's own `agora seed`, its progress bar on stderr. */
export async function seedDatabase (
  cli: string, cwd: string, env: NodeJS.ProcessEnv, counts: SeedCounts
): Promise<void> {
  await runToEnd(process.execPath, [
    cli, 'seed', '--users', String(counts.users), '--products', String(counts.products), '--posts', String(counts.posts)
  ], { cwd, env })
}
