import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { Ajv } from 'ajv'
import { ConfigError, ConfigSchema, loadConfig, readEnvironment, withJwtSecret } from '../src/config.js'

function tempDir (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'agora-config-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Asserts that `env` stops the boot with a ConfigError that names `variable`. */
function assertRejected (t: TestContext, env: Record<string, string>, variable: string): void {
  t.assert.throws(() => loadConfig(env), (error: unknown) => {
    t.assert.ok(error instanceof ConfigError, `${JSON.stringify(env)} throws a ConfigError`)
    t.assert.strictEqual(error.name, 'ConfigError')
    t.assert.match(error.message, new RegExp(`\\b${variable}\\b`), `${JSON.stringify(env)}: ${error.message}`)
    return true
  })
}

const strongSecret = (): string => randomBytes(32).toString('hex')

describe('loadConfig', () => {
  it('defaults every setting the contract names', (t: TestContext) => {
    const config = loadConfig({})
    t.assert.deepStrictEqual({
      NODE_ENV: config.NODE_ENV,
      HOST: config.HOST,
      PORT: config.PORT,
      DATA_DIR: config.DATA_DIR,
      DATABASE_URL: config.DATABASE_URL,
      DATABASE_SCHEMA: config.DATABASE_SCHEMA,
      MIGRATE_ON_START: config.MIGRATE_ON_START,
      LOG_LEVEL: config.LOG_LEVEL,
      JWT_SECRET: config.JWT_SECRET,
      JWT_ALGORITHM: config.JWT_ALGORITHM,
      ACCESS_TOKEN_EXPIRE_MINUTES: config.ACCESS_TOKEN_EXPIRE_MINUTES,
      BODY_LIMIT: config.BODY_LIMIT
    }, {
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 8000,
      DATA_DIR: './data',
      DATABASE_URL: undefined,
      DATABASE_SCHEMA: 'public',
      MIGRATE_ON_START: true,
      LOG_LEVEL: 'info',
      JWT_SECRET: undefined,
      JWT_ALGORITHM: 'HS256',
      ACCESS_TOKEN_EXPIRE_MINUTES: 30,
      BODY_LIMIT: 1_048_576
    })
  })

  it('returns a frozen config', (t: TestContext) => {
    const config = loadConfig({ PORT: '8001' })
    t.assert.ok(Object.isFrozen(config))
    t.assert.throws(() => { (config as { PORT: number }).PORT = 1 }, TypeError)
    t.assert.strictEqual(config.PORT, 8001)
  })

  it('converts strings to numbers and booleans, trims them, and treats blank as unset', (t: TestContext) => {
    const config = loadConfig({
      PORT: ' 9000 ',
      HOST: '0.0.0.0',
      BODY_LIMIT: '2048',
      MIGRATE_ON_START: 'false',
      ACCESS_TOKEN_EXPIRE_MINUTES: '5',
      JWT_ALGORITHM: 'HS512',
      LOG_LEVEL: '   ',
      DATABASE_URL: 'postgres://agora@db:5432/agora'
    })
    t.assert.strictEqual(config.PORT, 9000)
    t.assert.strictEqual(config.HOST, '0.0.0.0')
    t.assert.strictEqual(config.BODY_LIMIT, 2048)
    t.assert.strictEqual(config.MIGRATE_ON_START, false)
    t.assert.strictEqual(config.ACCESS_TOKEN_EXPIRE_MINUTES, 5)
    t.assert.strictEqual(config.JWT_ALGORITHM, 'HS512')
    t.assert.strictEqual(config.LOG_LEVEL, 'info')
    t.assert.strictEqual(config.DATABASE_URL, 'postgres://agora@db:5432/agora')
    t.assert.strictEqual(loadConfig({ MIGRATE_ON_START: 'true' }).MIGRATE_ON_START, true)
    t.assert.strictEqual(loadConfig({ PORT: '' }).PORT, 8000)
  })

  it('ignores variables it does not know', (t: TestContext) => {
    const config = loadConfig({ SOMETHING_ELSE: 'x', PATH: '/usr/bin', PORT: '8002' }) as Record<string, unknown>
    t.assert.strictEqual(config.SOMETHING_ELSE, undefined)
    t.assert.strictEqual(config.PATH, undefined)
    t.assert.strictEqual(config.PORT, 8002)
  })

  it('rejects bad values with a ConfigError that names the variable', (t: TestContext) => {
    const cases: Array<[env: Record<string, string>, variable: string]> = [
      [{ PORT: 'abc' }, 'PORT'],
      [{ PORT: '70000' }, 'PORT'],
      [{ PORT: '-1' }, 'PORT'],
      [{ PORT: '80.5' }, 'PORT'],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
      [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
      [{ DATABASE_SCHEMA: 'public; drop table users' }, 'DATABASE_SCHEMA'],
      [{ BODY_LIMIT: '10' }, 'BODY_LIMIT'],
      [{ BODY_LIMIT: '1MB' }, 'BODY_LIMIT'],
      [{ MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ NODE_ENV: 'prod' }, 'NODE_ENV'],
      [{ JWT_ALGORITHM: 'none' }, 'JWT_ALGORITHM'],
      [{ JWT_ALGORITHM: 'RS256' }, 'JWT_ALGORITHM'],
      [{ ACCESS_TOKEN_EXPIRE_MINUTES: '0' }, 'ACCESS_TOKEN_EXPIRE_MINUTES']
    ]
    for (const [env, variable] of cases) assertRejected(t, env, variable)
  })

  it('converts numbers and booleans strictly, and lists the choices of a word', (t: TestContext) => {
    const config = loadConfig({ PORT: '8003', REFRESH_TOKEN_EXPIRE_DAYS: '.5', MIGRATE_ON_START: 'false' })
    const { PORT, REFRESH_TOKEN_EXPIRE_DAYS, MIGRATE_ON_START } = config
    t.assert.deepStrictEqual([PORT, REFRESH_TOKEN_EXPIRE_DAYS, MIGRATE_ON_START], [8003, 0.5, false])
    for (const port of ['1e3', '0x10', '8000abc', 'true']) assertRejected(t, { PORT: port }, 'PORT')
    for (const flag of ['1', 'yes', 'TRUE']) assertRejected(t, { MIGRATE_ON_START: flag }, 'MIGRATE_ON_START')
    const choices = /LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent/
    t.assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), choices)
  })

  it('names every bad variable at once', (t: TestContext) => {
    assertRejected(t, { PORT: 'abc', DATABASE_URL: 'mysql://x' }, 'PORT')
    assertRejected(t, { PORT: 'abc', DATABASE_URL: 'mysql://x' }, 'DATABASE_URL')
  })

  it('requires a strong JWT_SECRET in production', (t: TestContext) => {
    assertRejected(t, { NODE_ENV: 'production' }, 'JWT_SECRET')
    assertRejected(t, { NODE_ENV: 'production', JWT_SECRET: '   ' }, 'JWT_SECRET')
    for (const weak of ['secret', 'changeme', 'a'.repeat(64), 'ab'.repeat(32), strongSecret().slice(0, 31)]) {
      assertRejected(t, { NODE_ENV: 'production', JWT_SECRET: weak }, 'JWT_SECRET')
    }
    const secret = strongSecret()
    t.assert.strictEqual(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).JWT_SECRET, secret)
  })

  it('lets development and tests start without a JWT_SECRET', (t: TestContext) => {
    t.assert.strictEqual(loadConfig({ NODE_ENV: 'development' }).JWT_SECRET, undefined)
    t.assert.strictEqual(loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'short' }).JWT_SECRET, 'short')
  })

  // TypeBox checks the values at boot, not the schema itself (config.ts): that check is made here.
  it('has a ConfigSchema that Ajv\'s meta-schema accepts', (t: TestContext) => {
    const ajv = new Ajv()
    t.assert.strictEqual(ajv.validateSchema(ConfigSchema), true, ajv.errorsText())
  })
})

describe('withJwtSecret', () => {
  it('generates a secret once in DATA_DIR and returns the same one afterwards', (t: TestContext) => {
    const dataDir = join(tempDir(t), 'not', 'yet', 'there')
    const first = withJwtSecret(loadConfig({ DATA_DIR: dataDir }))
    t.assert.ok(first.JWT_SECRET !== undefined && first.JWT_SECRET.length >= 32)
    t.assert.ok(new Set(first.JWT_SECRET).size >= 10, 'random, not repetitive')
    t.assert.ok(Object.isFrozen(first))
    const file = join(dataDir, 'jwt-secret')
    t.assert.strictEqual(statSync(file).mode & 0o777, 0o600)

    const second = withJwtSecret(loadConfig({ DATA_DIR: dataDir }))
    t.assert.strictEqual(second.JWT_SECRET, first.JWT_SECRET)

    const elsewhere = withJwtSecret(loadConfig({ DATA_DIR: tempDir(t) }))
    t.assert.notStrictEqual(elsewhere.JWT_SECRET, first.JWT_SECRET)
  })

  it('keeps a configured secret and writes nothing', (t: TestContext) => {
    const dataDir = tempDir(t)
    const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: 'configured-secret' })
    t.assert.strictEqual(withJwtSecret(config), config)
    t.assert.throws(() => statSync(join(dataDir, 'jwt-secret')), { code: 'ENOENT' })
  })
})

describe('readEnvironment', () => {
  it('reads a .env file beneath the process environment', (t: TestContext) => {
    const dir = tempDir(t)
    writeFileSync(join(dir, '.env'), 'AGORA_FROM_DOTENV_ONLY=from-file\nPATH=/from/dotenv\n')
    const env = readEnvironment(dir)
    t.assert.strictEqual(env.AGORA_FROM_DOTENV_ONLY, 'from-file')
    t.assert.strictEqual(env.PATH, process.env.PATH)
    t.assert.strictEqual(readEnvironment(tempDir(t)).AGORA_FROM_DOTENV_ONLY, undefined)
  })
})
