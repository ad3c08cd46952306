import { buildApp } from './dist/app.js'
import { loadConfig } from './dist/config.js'
const config = loadConfig({ DATABASE_URL: 'sqlite:/tmp/prof/data/agora.db', DATA_DIR: '/tmp/prof/data', JWT_SECRET: process.env.S, NODE_ENV: 'production', LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false' })
const app = await buildApp(config)
await app.ready()
const url = process.argv[2]
for (let r = 0; r < 4; r++) {
  const t = performance.now()
  for (let i = 0; i < 5000; i++) await app.inject({ method: 'GET', url })
  console.log(url, ((performance.now() - t) / 5000 * 1000).toFixed(1), 'us')
}
for (const [k, [n, t]] of globalThis.__st ?? []) if (n > 100) console.log(n, (t / n * 1000).toFixed(1), 'us', k.slice(0, 150))
await app.close()
