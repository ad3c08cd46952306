import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type Kysely, type MigrationResultSet } from 'kysely'
import type { Config } from '../config.js'
import { dialectOf } from './database.js'
import { migrations } from './migrations/index.js'

export interface MigrationStatus {
  name: string
  executedAt: Date | undefined
}

async function createSchema (db: Kysely<any>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db)
  } catch (error) {
    // Two instances creating it at once: "if not exists" does not stop the loser's unique
    // violation in the catalogue, and the schema exists.
    if ((error as { code?: string }).code !== '23505') throw error
  }
}

async function createMigrator (db: Kysely<any>, config: Config): Promise<Migrator> {
  const isPostgres = dialectOf(config) === 'postgres'
  if (isPostgres) await createSchema(db, config.DATABASE_SCHEMA)
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Kysely looks for its table in every schema unless told which one is ours.
    ...(isPostgres ? { migrationTableSchema: config.DATABASE_SCHEMA } : {})
  })
}

function unwrap ({ error, results }: MigrationResultSet): string[] {
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new Error(`Migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  return (results ?? []).map((r) => r.migrationName)
}

/** A start with nothing to do skips Kysely's lock: taking and dropping it are two writes, each a commit. */
export async function migrateToLatest (db: Kysely<any>, config: Config): Promise<string[]> {
  const migrator = await createMigrator(db, config)
  if (await isCurrent(db, config, migrator)) return []
  return unwrap(await migrator.migrateToLatest())
}

// A database migrated by a newer build goes on to Kysely's check, which refuses it.
async function isCurrent (db: Kysely<any>, config: Config, migrator: Migrator): Promise<boolean> {
  const known = await migrator.getMigrations()
  if (known.some((migration) => migration.executedAt === undefined)) return false
  const schema = dialectOf(config) === 'postgres' ? db.withSchema(config.DATABASE_SCHEMA) : db
  const { count } = await schema.selectFrom(DEFAULT_MIGRATION_TABLE)
    .select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow()
  return Number(count) === known.length
}

/** Reverts the newest applied migration. */
export async function migrateDown (db: Kysely<any>, config: Config): Promise<string[]> {
  return unwrap(await (await createMigrator(db, config)).migrateDown())
}

export async function migrationStatus (db: Kysely<any>, config: Config): Promise<MigrationStatus[]> {
  const infos = await (await createMigrator(db, config)).getMigrations()
  return infos.map((m) => ({ name: m.name, executedAt: m.executedAt }))
}
