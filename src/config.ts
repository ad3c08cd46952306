import { createHmac, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { parseEnv } from 'node:util'
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const RATE = '^[1-9]\\d{0,8}/(second|minute|hour)$'
// One trusted proxy: an IPv4/IPv6 address or CIDR, or one of proxy-addr's names.
const PROXY_ADDRESS = '(loopback|linklocal|uniquelocal|[0-9A-Fa-f.:]+(/\\d{1,3})?)'
const ORIGIN = 'https?://[^\\s,/]+'
const MEDIA_TYPE = '[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*'

/** Every setting, keyed by its environment variable; the README's configuration table follows the descriptions. */
export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development', description: '`production` makes a strong JWT_SECRET mandatory'
  }),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Address to listen on' }),
  PORT: Type.Integer({ default: 8000, minimum: 0, maximum: 65535, description: 'Port to listen on' }),
  DATA_DIR: Type.String({ default: './data', minLength: 1, description: 'Folder for the SQLite database and the generated development JWT secret' }),
  DATABASE_URL: Type.Optional(Type.String({
    pattern: '^(postgres|postgresql|sqlite):',
    description: '`postgres://user:pass@host:5432/db` for PostgreSQL, `sqlite:PATH` for another SQLite file; unset: DATA_DIR/agora.db'
  })),
  DATABASE_SCHEMA: Type.String({ default: 'public', pattern: '^[a-z_][a-z0-9_]{0,62}$', description: 'PostgreSQL schema that holds Agora\'s tables' }),
  DATABASE_POOL_MAX: Type.Integer({ default: 10, minimum: 1, maximum: 1000, description: 'PostgreSQL connections per instance' }),
  DATABASE_STATEMENT_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 100, description: 'PostgreSQL statement timeout' }),
  MIGRATE_ON_START: Type.Boolean({ default: true, description: 'Run pending migrations when the server starts' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), {
    default: 'info', description: 'pino log level'
  }),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 1, description: 'HMAC key for access tokens; required (32+ characters) in production, generated into DATA_DIR otherwise' })),
  JWT_ALGORITHM: Type.Union([Type.Literal('HS256'), Type.Literal('HS384'), Type.Literal('HS512')], {
    default: 'HS256', description: 'The only algorithm accepted for access tokens'
  }),
  ACCESS_TOKEN_EXPIRE_MINUTES: Type.Integer({ default: 30, minimum: 1, maximum: 1440, description: 'Access token lifetime' }),
  REFRESH_TOKEN_EXPIRE_DAYS: Type.Number({ default: 30, exclusiveMinimum: 0, maximum: 365, description: 'Refresh token lifetime (fractions allowed)' }),
  PASSWORD_RESET_EXPIRE_MINUTES: Type.Number({ default: 30, exclusiveMinimum: 0, maximum: 1440, description: 'How long a mailed password reset token works (fractions allowed)' }),
  BODY_LIMIT: Type.Integer({ default: 1_048_576, minimum: 1024, description: 'Largest JSON or form body, in bytes' }),
  REQUEST_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 1000, description: 'Longest time a client may take to send a whole request' }),
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 100, maximum: 600_000, description: 'Idle keep-alive connections close after this' }),
  SHUTDOWN_DRAIN_MS: Type.Integer({
    default: 15_000,
    minimum: 0,
    maximum: 600_000,
    description: 'On SIGTERM/SIGINT, how long to keep serving (with `/ready` at 503) before new connections are refused and responses close their connections; longer than the proxy\'s health-check interval'
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    default: 10_000,
    minimum: 100,
    maximum: 600_000,
    description: 'After the drain, how long requests in flight get to finish before their connections are cut'
  }),
  WORKERS: Type.String({
    default: '1',
    pattern: '^(auto|[1-9]\\d{0,2})$',
    description: 'Processes `agora serve` runs (node:cluster): a number, or `auto` for one per core'
  }),
  SMTP_URL: Type.Optional(Type.String({
    pattern: '^smtps?://[^\\s]+$',
    description: '`smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://user:pass@host:465`; unset: mail is written to the log'
  })),
  MAIL_FROM: Type.String({ default: 'Agora <no-reply@localhost>', minLength: 3, pattern: '^[^\\r\\n]+$', description: 'Sender of every mail' }),
  SMTP_TIMEOUT_MS: Type.Integer({
    default: 10_000, minimum: 100, maximum: 300_000, description: 'Longest wait to connect, for the greeting, and for any SMTP reply'
  }),
  JOBS_WORKER_IN_SERVE: Type.Boolean({ default: true, description: 'Run a job worker inside `agora serve`; false when `agora worker` runs apart' }),
  JOBS_CONCURRENCY: Type.Integer({ default: 5, minimum: 1, maximum: 100, description: 'Jobs one worker runs at a time' }),
  JOBS_MAX_ATTEMPTS: Type.Integer({ default: 10, minimum: 1, maximum: 100, description: 'Attempts before a job is kept as failed' }),
  JOBS_BACKOFF_BASE_MS: Type.Integer({ default: 10_000, minimum: 1, description: 'Delay before the first retry; doubles with each attempt, with jitter' }),
  JOBS_BACKOFF_MAX_MS: Type.Integer({ default: 3_600_000, minimum: 1, description: 'Longest delay between two attempts' }),
  JOBS_VISIBILITY_TIMEOUT_MS: Type.Integer({
    default: 300_000, minimum: 100, description: 'A claimed job that is not finished by then is claimed again; also the time limit of one attempt'
  }),
  JOBS_POLL_INTERVAL_MS: Type.Integer({ default: 1000, minimum: 10, maximum: 60_000, description: 'Pause between two looks at an empty queue' }),
  JOBS_SHUTDOWN_DEADLINE_MS: Type.Integer({
    default: 5000, minimum: 0, maximum: 600_000, description: 'On shutdown, running jobs get this long to finish before they are released'
  }),
  JOBS_RETENTION_HOURS: Type.Number({
    default: 168, exclusiveMinimum: 0, maximum: 87_600, description: 'Done jobs are deleted this long after they finished (failed ones are kept for `agora jobs retry`)'
  }),
  IDEMPOTENCY_TTL_HOURS: Type.Number({
    default: 24, exclusiveMinimum: 0, maximum: 8760, description: 'How long a successful response is kept for `Idempotency-Key` retries (fractions allowed)'
  }),
  IDEMPOTENCY_LEASE_SECONDS: Type.Integer({
    default: 60, minimum: 1, maximum: 86_400, description: 'A request holding an `Idempotency-Key` that has not answered by then (a crash) may be taken over by a retry'
  }),
  UPLOAD_DIR: Type.Optional(Type.String({
    minLength: 1, description: 'Folder for uploaded files (shared storage when several instances run); unset: DATA_DIR/uploads'
  })),
  UPLOAD_MAX_BYTES: Type.Integer({ default: 10_485_760, minimum: 1, maximum: 1_073_741_824, description: 'Largest uploaded file, in bytes' }),
  UPLOAD_ALLOWED_TYPES: Type.String({
    default: 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,application/json,application/zip',
    pattern: `^${MEDIA_TYPE}(\\s*,\\s*${MEDIA_TYPE})*$`,
    description: 'Content types an upload may have, as detected from its bytes, comma-separated'
  }),
  TRUST_PROXY: Type.String({
    default: 'false',
    pattern: `^(true|false|\\d{1,2}|${PROXY_ADDRESS}(\\s*,\\s*${PROXY_ADDRESS})*)$`,
    description: 'Whose `X-Forwarded-For` to believe for the client address: `false`, `true` (anyone), a hop count, or proxy addresses/CIDRs, comma-separated'
  }),
  CORS_ORIGINS: Type.String({
    default: 'http://localhost:3000',
    pattern: `^${ORIGIN}(\\s*,\\s*${ORIGIN})*$`,
    description: 'Browser origins allowed to call the API with credentials, comma-separated (`scheme://host[:port]`)'
  }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://\\S+$', description: '`redis://host:6379`: rate-limit counters shared by every instance; unset: kept in memory' })),
  REDIS_TIMEOUT_MS: Type.Integer({
    default: 1000,
    minimum: 10,
    maximum: 60_000,
    description: 'Longest wait for a Redis reply; after a failure, Redis is left alone (limits count in memory) until a background ping answers'
  }),
  REDIS_KEY_PREFIX: Type.String({ default: 'agora:', pattern: '^\\S{1,100}$', description: 'Prefix of every key Agora writes to Redis' }),
  RATE_LIMIT_ENABLED: Type.Boolean({ default: true, description: '`false` turns every rate limit off (benchmarks)' }),
  RATE_LIMIT_GLOBAL: Type.String({ default: '1000/minute', pattern: RATE, description: 'Requests per client to any route' }),
  RATE_LIMIT_USERS_LIST: Type.String({ default: '100/minute', pattern: RATE, description: '`GET /users` per client' }),
  RATE_LIMIT_LOGIN: Type.String({ default: '10/minute', pattern: RATE, description: '`POST /login` per client and e-mail' }),
  RATE_LIMIT_SIGNUP: Type.String({ default: '20/hour', pattern: RATE, description: '`POST /users` (sign-up) per client' }),
  RATE_LIMIT_PASSWORD_RESET: Type.String({ default: '20/hour', pattern: RATE, description: '`POST /auth/password-reset` per client' }),
  RATE_LIMIT_CACHE_SIZE: Type.Integer({
    default: 10_000, minimum: 1, maximum: 10_000_000, description: 'Counters each limit keeps in memory (without Redis); the least recently used go first'
  }),
  METRICS_ENABLED: Type.Boolean({ default: true, description: '`false` turns `GET /metrics` (Prometheus) and the request timing behind it off' })
}, { additionalProperties: false })

/** The settings as read from the environment: outside production, JWT_SECRET may still be unset. */
export type EnvConfig = Readonly<Static<typeof ConfigSchema>>

/** The settings Agora runs with, once `withJwtSecret` has made sure of the secret. */
export type Config = EnvConfig & { readonly JWT_SECRET: string }

/** Thrown for configuration the service cannot start with; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

// Checked by TypeBox's interpreter: compiling the schema with Ajv took 30–50 ms of every start.
// Each value is converted as its schema types it, strictly: "80.5" is no integer, "yes" no boolean.
const INTEGER = /^-?\d+$/
const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/

function typedValue (schema: TSchema, text: string): unknown {
  if (schema.type === 'integer' && INTEGER.test(text)) return Number(text)
  if (schema.type === 'number' && NUMBER.test(text)) return Number(text)
  if (schema.type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true'
  return text
}

// A choice of words says which: TypeBox's own message for it is "Expected union value".
function problemOf (schema: TSchema, message: string): string {
  const choices = (schema.anyOf as TSchema[] | undefined)?.map((choice) => choice.const as unknown)
  return choices?.every((choice) => typeof choice === 'string') === true ? `expected one of ${choices.join(', ')}` : message
}

/** The known variables of `env` (blank counts as unset), converted, defaulted and frozen; unknown ones are ignored. */
export function loadConfig (env: Record<string, string | undefined>): EnvConfig {
  const raw: Record<string, unknown> = {}
  for (const [key, schema] of Object.entries<TSchema>(ConfigSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value.trim() !== '') raw[key] = typedValue(schema, value.trim())
  }
  const config = Value.Default(ConfigSchema, raw)
  if (!Value.Check(ConfigSchema, config)) {
    const problems = [...Value.Errors(ConfigSchema, config)].map((e) => `${e.path.slice(1) || 'config'}: ${problemOf(e.schema, e.message)}`)
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`)
  }
  if (config.NODE_ENV === 'production') assertStrongSecret(config.JWT_SECRET)
  return Object.freeze(config)
}

function assertStrongSecret (secret: string | undefined): void {
  if (secret === undefined) throw new ConfigError('JWT_SECRET is required when NODE_ENV=production')
  // Length alone lets "aaaa…" through; a real random key has many distinct characters.
  if (secret.length < 32 || new Set(secret).size < 10) {
    throw new ConfigError('JWT_SECRET is too weak for production: use 32+ random characters (openssl rand -hex 32)')
  }
}

/** The process environment with a `.env` file in the working directory beneath it. */
export function readEnvironment (cwd = process.cwd()): Record<string, string | undefined> {
  const file = join(cwd, '.env')
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {}
  return { ...fromFile, ...process.env }
}

function hasJwtSecret (config: EnvConfig): config is Config {
  return config.JWT_SECRET !== undefined
}

/** Fills in JWT_SECRET outside production: a random key kept in DATA_DIR, so a restart does not sign everyone out. */
export function withJwtSecret (config: EnvConfig): Config {
  if (hasJwtSecret(config)) return config
  const dir = resolve(config.DATA_DIR)
  const file = join(dir, 'jwt-secret')
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true })
    try {
      writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' })
    } catch (error) {
      // Another instance starting at the same moment wrote it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
  return Object.freeze({ ...config, JWT_SECRET: readFileSync(file, 'utf8').trim() })
}

/** A key for one purpose (`agora/<what>/<version>`): its MACs pass neither for a token nor for another purpose's. */
export function derivedKey (secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(purpose).digest()
}

export function uploadDirOf (config: EnvConfig): string {
  return resolve(config.UPLOAD_DIR ?? join(config.DATA_DIR, 'uploads'))
}

export function workerCount (config: EnvConfig, cores = availableParallelism()): number {
  return config.WORKERS === 'auto' ? cores : Number(config.WORKERS)
}

export function allowedUploadTypes (config: EnvConfig): Set<string> {
  return new Set(config.UPLOAD_ALLOWED_TYPES.split(',').map((type) => type.trim()))
}

/** TRUST_PROXY as Fastify's `trustProxy`: a boolean, the trusted proxies' addresses, or a hop count. */
export function trustProxySetting (value: string): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (value === 'true' || value === 'false') return value === 'true'
  if (/^\d+$/.test(value)) {
    // What Fastify does with a number, which its types do not take: trust the nearest `hops`.
    const hops = Number(value)
    return (_address, hop) => hop < hops
  }
  return value.split(',').map((entry) => {
    const address = entry.trim()
    // The pattern lets through what only looks like an address ("cafe"); proxy-addr would refuse it less clearly.
    if (!['loopback', 'linklocal', 'uniquelocal'].includes(address) && isIP(address.split('/')[0] ?? '') === 0) {
      throw new ConfigError(`TRUST_PROXY: "${address}" is not an IP address, a CIDR, loopback, linklocal or uniquelocal`)
    }
    return address
  })
}
