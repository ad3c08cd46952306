import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import type { Kysely } from 'kysely'
import { readEnvironment } from '../../config.js'
import { createDb } from '../../db/database.js'
import { migrateToLatest } from '../../db/migrate.js'
import type { Database, NewUserRow } from '../../db/tables.js'
import { hashPassword } from '../../lib/passwords.js'
import { findUserByEmail, insertUser, updateUser } from '../../modules/users/users.repository.js'
import { insertUsersSkippingTaken, parseUserLine, type ImportProblem } from '../users-import.js'
import { loadCliConfig } from '../config.js'
import { promptSecret } from '../prompt.js'

const BATCH_SIZE = 500
const PROGRESS_EVERY = 1000

async function withMigratedDb<T> (fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const config = loadCliConfig()
  const db = createDb(config)
  try {
    // Like the server, so that the first command on a new database finds its tables.
    if (config.MIGRATE_ON_START) await migrateToLatest(db, config)
    return await fn(db)
  } finally {
    await db.destroy()
  }
}

// AGORA_ADMIN_PASSWORD, or a prompt on a terminal; never an argument, which `ps` and shell history show.
async function adminPassword (): Promise<string> {
  const fromEnv = readEnvironment().AGORA_ADMIN_PASSWORD
  let password: string
  if (fromEnv !== undefined && fromEnv !== '') {
    password = fromEnv
  } else if (process.stdin.isTTY) {
    password = await promptSecret('Password: ')
    if (await promptSecret('Password again: ') !== password) throw new Error('The passwords do not match')
  } else {
    throw new Error('No password: set AGORA_ADMIN_PASSWORD, or run the command on a terminal to be asked for one')
  }
  if (password.length < 8 || password.length > 128) throw new Error('The password must be 8–128 characters')
  return password
}

async function createAdmin (options: { email: string, name: string }): Promise<void> {
  const email = options.email.trim().toLowerCase()
  const name = options.name.trim()
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new Error(`"${options.email}" is not an e-mail address`)
  if (name.length < 1 || name.length > 100) throw new Error('The name must be 1–100 characters')
  await withMigratedDb(async (db) => {
    const existing = await findUserByEmail(db, email)
    if (existing !== undefined) {
      // Promoting keeps the user's password: the command never overwrites one silently.
      await updateUser(db, existing.id, { role: 'admin', is_active: 1 })
      console.log(`User ${existing.id} <${email}> already existed and is now an active admin; the password is unchanged.`)
      return
    }
    const hashed = await hashPassword(await adminPassword())
    const user = await insertUser(db, { name, email, hashed_password: hashed, age: null, role: 'admin' })
    console.log(`Created admin ${user.id} <${email}>.`)
  })
}

async function importUsers (file: string): Promise<void> {
  const problems: ImportProblem[] = []
  let lines = 0
  let imported = 0
  let batch: Array<{ line: number, row: NewUserRow }> = []
  await withMigratedDb(async (db) => {
    const flush = async (): Promise<void> => {
      const inserted = await insertUsersSkippingTaken(db, batch.map((b) => b.row))
      for (const { line, row } of batch) {
        if (inserted.delete(row.email)) imported += 1
        else problems.push({ line, reason: `${row.email} is already registered` })
      }
      batch = []
    }
    const input = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
    for await (const text of input) {
      lines += 1
      if (text.trim() !== '') {
        const parsed = parseUserLine(text)
        if ('row' in parsed) batch.push({ line: lines, row: parsed.row })
        else problems.push({ line: lines, reason: parsed.reason })
      }
      if (batch.length >= BATCH_SIZE) await flush()
      if (lines % PROGRESS_EVERY === 0) console.error(`… ${lines} lines read, ${imported} users imported`)
    }
    await flush()
  })
  // Bad lines are reported, not fatal: a fixed file can be run again (imported users are skipped as taken).
  for (const { line, reason } of problems.sort((a, b) => a.line - b.line)) console.error(`line ${line}: ${reason}`)
  console.log(`Imported ${imported} users from ${lines} lines; ${problems.length} lines skipped.`)
  if (problems.length > 0) process.exitCode = 1
}

export function registerUsers (program: Command): void {
  const users = program.command('users').description('Manage user accounts')

  users.command('create-admin')
    .description('Create an admin (password from AGORA_ADMIN_PASSWORD or a prompt), or make an existing user an admin')
    .requiredOption('--email <email>', 'the admin\'s e-mail')
    .requiredOption('--name <name>', 'the admin\'s name')
    .action(createAdmin)

  users.command('import')
    .description('Import users from a JSON Lines file with bcrypt or argon2id hashes; bad lines are reported by number and skipped')
    .argument('<file>', 'one JSON object per line: name, email, hashed_password (or password), age?, role?, is_active?')
    .action(importUsers)
}
