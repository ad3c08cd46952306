// Fastify alone: Agora's `GET /` and its response schema, with no plugin, log or hook. What the framework costs.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/', {
  schema: { response: { 200: { type: 'object', properties: { message: { type: 'string' } } } } }
}, async function () {
  return { message: 'Welcome to my API' }
})
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })

process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
