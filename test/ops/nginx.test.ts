import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { waitFor } from '../helpers/wait.js'
import { agoraEnv, freePort, request, signUp, sleep, start, startAgora, startLoad, tempDir, waitReady, type Proc } from './helpers.js'

const RECIPE = fileURLToPath(new URL('../../deploy/nginx/agora.conf', import.meta.url))
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? ''
const REDIS_URL = process.env.TEST_REDIS_URL ?? ''
// Three, as the recipe lists: with two, one instance restarting and the other briefly
// marked failed by nginx left no upstream, and nginx answered its own 503.
const INSTANCES = 3
const DRAIN_MS = 1500
/** nginx leaves an instance that refused a connection alone this long (the recipe: 5 s). */
const FAIL_TIMEOUT_S = 1

function whySkip (): string | false {
  if (spawnSync('nginx', ['-v']).status !== 0) return 'skipped: nginx is not installed (apt-get install nginx; .ci/run does)'
  if (DATABASE_URL === '' || REDIS_URL === '') return 'skipped: needs TEST_DATABASE_URL and TEST_REDIS_URL'
  return false
}

/**
 * deploy/nginx/agora.conf with the test's ports (and the recipe's max_fails), and nginx's
 * upstream keep-alive timeout and fail timeout cut to 1 s, so that the instances' drain
 * and the pause between two restarts can be short too; the rest as written.
 */
function renderRecipe (listenPort: number, upstreamPorts: number[]): string {
  const recipe = readFileSync(RECIPE, 'utf8')
  const maxFails = /max_fails=(\d+)/.exec(recipe)?.[1]
  const servers = upstreamPorts.map((port) => `    server 127.0.0.1:${port} max_fails=${maxFails} fail_timeout=${FAIL_TIMEOUT_S}s;`).join('\n')
  const rendered = recipe
    .replace(/^\s*server 127\.0\.0\.1:\d+.*\n/gm, '')
    .replace('upstream agora {\n', `upstream agora {\n${servers}\n`)
    .replace('listen 80;', `listen 127.0.0.1:${listenPort};`)
    .replace(/keepalive_timeout \d+s;/, 'keepalive_timeout 1s;')
  if (maxFails === undefined || !rendered.includes(servers) || !rendered.includes(`listen 127.0.0.1:${listenPort}`)) {
    throw new Error('the recipe changed shape')
  }
  return rendered
}

/** nginx in the foreground, with its own prefix, temp dirs and logs. */
async function startNginx (t: TestContext, upstreamPorts: number[]): Promise<{ port: number, errorLog: () => string }> {
  const prefix = tempDir(t, 'nginx')
  chmodSync(prefix, 0o777) // its workers run as nobody when we are root
  for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, dir), { mode: 0o777 })
  const port = await freePort()
  writeFileSync(join(prefix, 'agora.conf'), renderRecipe(port, upstreamPorts))
  writeFileSync(join(prefix, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  include ${prefix}/agora.conf;
}
`)
  // SIGTERM: the master stops its workers before it exits.
  start(t, 'nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')], { stopSignal: 'SIGTERM' })
  await waitFor(async () => await request(port, 'GET', '/health').then(() => true, () => false), 10_000, 'nginx')
  return { port, errorLog: () => readFileSync(join(prefix, 'error.log'), 'utf8') }
}

async function dropSchema (schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${schema}" cascade`)
  } finally {
    await client.end()
  }
}

describe('the nginx recipe (deploy/nginx/agora.conf) in front of three instances', { skip: whySkip() }, () => {
  it('loses no request while the instances are restarted one at a time under load', async (t: TestContext) => {
    const dir = tempDir(t, 'rolling')
    const schema = `rolling_${Math.random().toString(36).slice(2, 8)}`
    t.after(async () => await dropSchema(schema))
    const ports = await Promise.all(Array.from({ length: INSTANCES }, async () => await freePort()))
    const env = (port: number): Record<string, string> => agoraEnv(dir, port, {
      LOG_LEVEL: 'warn',
      DATABASE_URL,
      DATABASE_SCHEMA: schema,
      REDIS_URL,
      REDIS_KEY_PREFIX: `${schema}:`,
      TRUST_PROXY: 'loopback',
      SHUTDOWN_DRAIN_MS: String(DRAIN_MS)
    })
    const instances: Proc[] = ports.map((port) => startAgora(t, ['serve'], env(port), dir))
    // Every instance's warnings, the replaced ones included, to explain a failure.
    const all: Proc[] = [...instances]
    for (const port of ports) await waitReady(port)
    const { port: proxy, errorLog } = await startNginx(t, ports)
    const token = await signUp(proxy, 'rolling@example.com')

    // Enough clients that nginx opens connections to a draining instance all the time: a
    // server that stops listening while some wait to be accepted resets them.
    const load = startLoad(proxy, token, 16, 0)
    await sleep(500)
    for (const [i, port] of ports.entries()) {
      instances[i]!.child.kill('SIGTERM')
      t.assert.deepStrictEqual(await instances[i]!.exited, { code: 0, signal: null })
      instances[i] = startAgora(t, ['serve'], env(port), dir)
      all.push(instances[i]!)
      await waitReady(port)
      // As deploy/rolling-restart.sh does: until nginx tries it again, the restarted
      // instance does not count as up, and the next one must not go down before that.
      await sleep(FAIL_TIMEOUT_S * 1000 + 500)
    }
    await sleep(500)
    await load.stop()

    const failed = load.answers.filter((a) => a.status >= 300).map((a) => `${a.status} ${a.body}`)
    const warnings = all.flatMap((instance) => instance.logs.filter((line) => Number(line.level) >= 40))
      .map((line) => JSON.stringify(line))
    t.assert.deepStrictEqual([...load.errors, ...failed], [],
      `no request failed; the instances said:\n${warnings.join('\n')}\nand nginx:\n${errorLog()}`)
    t.assert.ok(load.answers.length > 200, `a stream of requests went through (${load.answers.length})`)
  })
})
