import { buildApp } from './dist/app.js'
import { loadConfig } from './dist/config.js'
const config = loadConfig({ DATABASE_URL: 'sqlite:/tmp/prof/data/agora.db', DATA_DIR: '/tmp/prof/data', JWT_SECRET: process.env.S, NODE_ENV: 'production', LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false', MIGRATE_ON_START: 'false' })
const app = await buildApp(config)
await app.ready()
for (const q of ['tag=kitchen&min_price=10&max_price=500&sort=-price&page=3&page_size=20', 'in_stock=true&sort=-created_at&page_size=20', 'tag=furniture&sort=price&page_size=20', 'min_price=20&max_price=100&sort=price&page=2&page_size=20', 'q=walnut&sort=-price&page_size=20', 'q=walnut&page_size=10']) {
  globalThis.__st = new Map()
  const N = 200
  const t = performance.now()
  for (let i = 0; i < N; i++) { const r = await app.inject({ method: 'GET', url: '/api/v1/products?' + q }); if (r.statusCode !== 200) throw new Error(r.body) }
  console.log('==', q, ((performance.now() - t) / N * 1000).toFixed(0), 'us/request')
  for (const [k, [n, t]] of globalThis.__st) console.log('  ', n, (t / n * 1000).toFixed(1), 'us', k.slice(0, 230))
}
await app.close()
