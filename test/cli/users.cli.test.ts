import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { hash as bcrypt } from '@node-rs/bcrypt'
import { verifyPassword } from '../../src/lib/passwords.js'
import { findUserByEmail, insertUser } from '../../src/modules/users/users.repository.js'
import { testDialects } from '../helpers/build-app.js'
import { agoraCommand, runCli } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait.js'
import { configEnv, testDb } from '../jobs/helpers.js'

// util-linux `script` gives the command a pseudo-terminal, as a person at a shell has.
const SCRIPT = '/usr/bin/script'

/** Runs create-admin on a pseudo-terminal, typing `answers` at each password prompt. */
async function createAdminOnTerminal (
  env: NodeJS.ProcessEnv, answers: string[]
): Promise<{ code: number | null, output: string }> {
  const command = `${process.execPath} ${agoraCommand().join(' ')} users create-admin --email tty@example.com --name Tty`
  const child = spawn(SCRIPT, ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  for (const [i, answer] of answers.entries()) {
    await waitFor(() => output.split('Password').length > i + 1, 15_000, `prompt ${i + 1}`)
    child.stdin.write(`${answer}\r`)
  }
  child.stdin.end()
  return { code: await exited, output }
}

for (const dialect of testDialects()) {
  describe(`agora users (${dialect})`, () => {
    it('`create-admin` makes an admin on the configured database with AGORA_ADMIN_PASSWORD', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const env = configEnv(config, { AGORA_ADMIN_PASSWORD: 'admin-password-1' })
      const run = await runCli(['users', 'create-admin', '--email', ' Root@Example.com ', '--name', ' Root '], env)
      t.assert.strictEqual(run.code, 0, run.output)
      t.assert.doesNotMatch(run.output, /admin-password-1/)
      const admin = await findUserByEmail(db, 'root@example.com')
      t.assert.deepStrictEqual([admin?.name, admin?.role, admin?.is_active], ['Root', 'admin', 1])
      t.assert.ok(await verifyPassword(admin?.hashed_password, 'admin-password-1'))
      t.assert.match(admin?.hashed_password ?? '', /^\$argon2id\$/)
    })

    it('`create-admin` refuses without a password (no env, no terminal), and has no --password option', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const env = configEnv(config)
      const [noPassword, argument, weak] = await Promise.all([
        runCli(['users', 'create-admin', '--email', 'root@example.com', '--name', 'Root'], env, 'typed-into-a-pipe\n'),
        runCli(['users', 'create-admin', '--email', 'root@example.com', '--name', 'Root', '--password', 'admin-password-1'], env),
        runCli(['users', 'create-admin', '--email', 'root@example.com', '--name', 'Root'], { ...env, AGORA_ADMIN_PASSWORD: 'short' })
      ])
      t.assert.strictEqual(noPassword.code, 1)
      t.assert.match(noPassword.output, /AGORA_ADMIN_PASSWORD/)
      t.assert.strictEqual(argument.code, 1)
      t.assert.match(argument.output, /unknown option '--password'/)
      t.assert.strictEqual(weak.code, 1)
      t.assert.match(weak.output, /8–128/)
      t.assert.strictEqual(await findUserByEmail(db, 'root@example.com'), undefined)
    })

    it('`create-admin` prompts twice on a terminal, without echoing the password', { skip: !existsSync(SCRIPT) && 'no util-linux script' }, async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const mismatch = await createAdminOnTerminal(configEnv(config), ['tty-password-1', 'tty-password-2'])
      t.assert.strictEqual(mismatch.code, 1)
      t.assert.match(mismatch.output, /do not match/)
      const run = await createAdminOnTerminal(configEnv(config), ['tty-password-1', 'tty-password-1'])
      t.assert.strictEqual(run.code, 0, run.output)
      t.assert.doesNotMatch(run.output, /tty-password-1/)
      const admin = await findUserByEmail(db, 'tty@example.com')
      t.assert.strictEqual(admin?.role, 'admin')
      t.assert.ok(await verifyPassword(admin?.hashed_password, 'tty-password-1'))
    })

    it('`create-admin` on an existing e-mail promotes that user and keeps their password', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      const hashed = await bcrypt('their-own-password', { cost: 4 })
      await insertUser(db, { name: 'Ann', email: 'ann@example.com', hashed_password: hashed, age: null, role: 'user', is_active: 0 })
      const run = await runCli(['users', 'create-admin', '--email', 'ann@example.com', '--name', 'Ann'], configEnv(config))
      t.assert.strictEqual(run.code, 0, run.output)
      const ann = await findUserByEmail(db, 'ann@example.com')
      t.assert.deepStrictEqual([ann?.role, ann?.is_active, ann?.hashed_password], ['admin', 1, hashed])
    })

    it('`import` loads bcrypt users from JSONL, reports bad lines by number, keeps the good ones, shows progress', async (t: TestContext) => {
      const { db, config } = await testDb(t, dialect)
      await insertUser(db, { name: 'Taken', email: 'taken@example.com', hashed_password: 'x', age: null, role: 'user' })
      const hash = await bcrypt('guide-password', { cost: 4 })
      const lines = [
        JSON.stringify({ id: 1, name: 'Ada', email: 'Ada@Example.com', password: hash, age: 36 }),
        '{not json',
        JSON.stringify({ name: 'Plain', email: 'plain@example.com', password: 'plain-text-password' }),
        JSON.stringify({ name: 'Taken', email: 'taken@example.com', hashed_password: hash }),
        '',
        JSON.stringify({ name: 'Boss', email: 'boss@example.com', hashed_password: hash.replace('$2b$', '$2a$'), role: 'admin', is_active: false }),
        JSON.stringify({ name: '  ', email: 'blank@example.com', hashed_password: hash })
      ]
      // Enough good lines to pass the progress mark (every 1000 lines).
      for (let i = 0; i < 1200; i += 1) lines.push(JSON.stringify({ name: `Bulk ${i}`, email: `bulk${i}@example.com`, password: hash }))
      lines.push(JSON.stringify({ name: 'Ada again', email: 'ada@example.com', password: hash }))
      const file = join(config.DATA_DIR, 'users.jsonl')
      writeFileSync(file, lines.join('\n') + '\n')

      const run = await runCli(['users', 'import', file], configEnv(config))
      t.assert.strictEqual(run.code, 1, 'some lines were skipped')
      t.assert.match(run.output, /line 2: not valid JSON/)
      t.assert.match(run.output, /line 3: hashed_password must be a bcrypt/)
      t.assert.match(run.output, /line 4: taken@example\.com is already registered/)
      t.assert.match(run.output, /line 7: name must be 1–100 characters/)
      t.assert.match(run.output, /line 1208: ada@example\.com is already registered/)
      t.assert.match(run.output, /… 1000 lines read/)
      t.assert.match(run.output, /Imported 1202 users from 1208 lines; 5 lines skipped\./)
      t.assert.ok(!run.output.includes(hash.slice(7)), 'hashes are not echoed')

      const ada = await findUserByEmail(db, 'ada@example.com')
      t.assert.deepStrictEqual([ada?.name, ada?.age, ada?.role, ada?.hashed_password], ['Ada', 36, 'user', hash])
      const boss = await findUserByEmail(db, 'boss@example.com')
      t.assert.deepStrictEqual([boss?.role, boss?.is_active], ['admin', 0])
      t.assert.strictEqual(await findUserByEmail(db, 'plain@example.com'), undefined)
      t.assert.ok(await verifyPassword(ada?.hashed_password, 'guide-password'))

      const missing = await runCli(['users', 'import', join(config.DATA_DIR, 'nope.jsonl')], configEnv(config))
      t.assert.strictEqual(missing.code, 1)
      t.assert.match(missing.output, /ENOENT|no such file/)
    })
  })
}
