import pg from 'pg'
import type { Config } from '../config.js'
import { PREPARED_STATEMENT_MARK } from './postgres.js'

// Loaded only when DATABASE_URL names PostgreSQL (database.ts): an SQLite server need not load pg.

export interface DbLogger {
  error (obj: object, msg: string): void
}

const INT8_OID = 20
const TIMESTAMPTZ_OID = 1184

// pg returns int8 (ids, COUNT(*)) as strings and timestamptz as Date; Agora's rows hold
// numbers and ISO strings on both dialects, so convert here, once.
const pgTypes = {
  getTypeParser (oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return parseSafeInteger
    if (oid === TIMESTAMPTZ_OID) return isoTimestamp
    return pg.types.getTypeParser(oid, format as 'text')
  }
} as pg.CustomTypesConfig

const parseDate = pg.types.getTypeParser(TIMESTAMPTZ_OID) as (value: string) => Date
// A timestamptz as PostgreSQL writes it in UTC (the pool's connections are set to UTC).
const UTC_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,3})\d*)?\+00$/

/** A timestamptz as `Date#toISOString` writes it; a UTC value is rearranged, far cheaper than a Date round trip. */
export function isoTimestamp (value: string): string {
  const utc = UTC_TIMESTAMP.exec(value)
  if (utc === null) return parseDate(value).toISOString()
  return `${utc[1]}T${utc[2]}.${(utc[3] ?? '').padEnd(3, '0')}Z`
}

function parseSafeInteger (value: string): number {
  const number = Number(value)
  if (!Number.isSafeInteger(number)) throw new RangeError(`int8 value ${value} does not fit a JavaScript number`)
  return number
}

// Runs marked statements as named ones, parsed and planned once per connection; only marked
// ones, a fixed set, so that the statements kept per connection stay few.
class PreparingClient extends pg.Client {}
const plainQuery = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown
PreparingClient.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
  const named = typeof config === 'string' && config.startsWith(PREPARED_STATEMENT_MARK)
  return plainQuery.call(this, named ? { name: statementName(config), text: config } : config, ...rest)
} as pg.Client['query']

const statementNames = new Map<string, string>()
function statementName (text: string): string {
  let name = statementNames.get(text)
  if (name === undefined) statementNames.set(text, name = `agora_${statementNames.size + 1}`)
  return name
}

export function createPool (config: Config, log?: DbLogger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    statement_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS,
    options: `-c search_path=${config.DATABASE_SCHEMA} -c TimeZone=UTC`,
    types: pgTypes,
    Client: PreparingClient
  })
  // Without a listener, an idle client's error (a database restart) crashes the process.
  pool.on('error', (error) => log?.error({ err: error }, 'PostgreSQL idle client error'))
  // The pool listens to idle clients only: a checked-out client cut off (57P01 on a restart)
  // would crash the process. Its query fails all the same (503); the pool drops the client.
  pool.on('connect', (client) => {
    client.on('error', (error) => log?.error({ err: error }, 'PostgreSQL connection lost'))
  })
  return pool
}
