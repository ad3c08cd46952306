// The floor of `POST /api/v1/products`: schemas with the contract's limits and one prepared insert into Agora's
// seeded file, whose triggers write what Agora writes. Each insert is durable before its 201, and concurrent inserts
// share a commit as in Agora's group commit: each is a savepoint in a transaction committed on the next turn.
import Database from 'better-sqlite3'
import { callerOf, floorApp, listen, UNAUTHORIZED } from './duties.mjs'

const file = process.env.DATABASE_PATH
const reader = new Database(file, { fileMustExist: true })
reader.pragma('busy_timeout = 5000')
reader.pragma('query_only = ON')
const userById = reader.prepare('select id, role, is_active, tokens_valid_after from users where id = ?')

const writer = new Database(file, { fileMustExist: true })
writer.pragma('busy_timeout = 5000')
writer.pragma('synchronous = FULL')
writer.pragma('foreign_keys = ON')
writer.pragma('temp_store = MEMORY')
const insert = writer.prepare(`insert into products (name, description, price_cents, quantity, owner_id, tags_json, created_at)
  values (?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) returning *`)
const begin = writer.prepare('begin immediate')
const savepoint = writer.prepare('savepoint unit')
const release = writer.prepare('release unit')
const rollbackUnit = writer.prepare('rollback to unit')
const commit = writer.prepare('commit')

let groupOpen = false
let waiting = []
// Resolves once the group's commit is on disk.
function insertProduct (values) {
  if (!groupOpen) {
    begin.run()
    groupOpen = true
    setImmediate(commitGroup)
  }
  savepoint.run()
  let row
  try {
    row = insert.get(...values)
  } catch (error) {
    rollbackUnit.run()
    release.run()
    throw error
  }
  release.run()
  return new Promise((resolve, reject) => waiting.push({ resolve: () => resolve(row), reject }))
}

function commitGroup () {
  const units = waiting
  waiting = []
  groupOpen = false
  try {
    commit.run()
  } catch (error) {
    if (writer.inTransaction) writer.prepare('rollback').run()
    for (const unit of units) unit.reject(error)
    return
  }
  for (const unit of units) unit.resolve()
}

const Tag = { type: 'string', minLength: 1, maxLength: 30 }
const ProductBody = {
  type: 'object',
  required: ['name', 'price', 'quantity'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    description: { type: ['string', 'null'], maxLength: 500 },
    price: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000_000 },
    quantity: { type: 'integer', minimum: 0 },
    tags: { type: 'array', maxItems: 10, items: Tag }
  }
}
const Product = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    price: { type: 'number' },
    quantity: { type: 'integer' },
    tags: { type: 'array', items: { type: 'string' } },
    owner_id: { type: 'integer' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' }
  }
}

const app = await floorApp()
app.post('/api/v1/products', { schema: { body: ProductBody, response: { 201: Product } } }, async function (request, reply) {
  const caller = await callerOf(request, userById)
  if (caller === undefined) return reply.code(401).send(UNAUTHORIZED)
  const { name, description = null, price, quantity, tags = [] } = request.body
  const cents = Math.round(price * 100)
  const trimmed = name.trim()
  const tagList = [...new Set(tags.map((tag) => tag.trim().toLowerCase()))]
  if (trimmed === '' || Math.abs(cents - price * 100) > 1e-6 || tagList.some((tag) => tag === '' || tag.length > 30)) {
    return reply.code(422).send({ detail: [{ loc: ['body'], msg: 'Invalid product', type: 'value_error' }] })
  }
  const row = await insertProduct([trimmed, description, cents, quantity, caller.id, JSON.stringify(tagList)])
  reply.code(201).header('location', `/api/v1/products/${row.id}`)
  return { ...row, price: row.price_cents / 100, tags: tagList }
})
await listen(app, () => { reader.close(); writer.close() })
