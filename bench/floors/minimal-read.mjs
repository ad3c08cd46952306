// The floor of the authenticated read `GET /api/v1/users/{id}`: prepared statements on Agora's seeded file and
// a response schema. Issue 8 wants Agora's read at 80 % of it.
import Database from 'better-sqlite3'
import { callerOf, floorApp, listen, UNAUTHORIZED } from './duties.mjs'

const db = new Database(process.env.DATABASE_PATH, { fileMustExist: true })
db.pragma('busy_timeout = 5000')
const userById = db.prepare('select id, name, email, age, role, is_active, created_at, tokens_valid_after from users where id = ?')

const UserSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    email: { type: 'string' },
    age: { type: ['integer', 'null'] },
    role: { type: 'string' },
    is_active: { type: 'boolean' },
    created_at: { type: 'string' }
  }
}

const app = await floorApp()
app.get('/api/v1/users/:user_id', {
  schema: {
    params: { type: 'object', properties: { user_id: { type: 'integer', minimum: 1 } }, required: ['user_id'] },
    response: { 200: UserSchema }
  }
}, async function (request, reply) {
  const caller = await callerOf(request, userById)
  if (caller === undefined) return reply.code(401).send(UNAUTHORIZED)
  const user = userById.get(request.params.user_id)
  if (user === undefined) return reply.code(404).send({ detail: `User ${request.params.user_id} not found` })
  const maySee = caller.id === user.id || caller.role === 'admin'
  return {
    id: user.id,
    name: user.name,
    role: user.role,
    is_active: user.is_active === 1,
    created_at: user.created_at,
    ...(maySee ? { email: user.email, age: user.age } : {})
  }
})
await listen(app, () => db.close())
