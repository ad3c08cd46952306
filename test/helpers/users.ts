import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { NewUserRow, UserRow } from '../../src/db/tables.js'
import { insertUser, updateUser } from '../../src/modules/users/users.repository.js'

export interface TestUser {
  user: { id: number, name: string, email: string, role: string }
  accessToken: string
  password: string
}

let counter = 0

/** Signs a user up and logs them in through the API. */
export async function createUser (
  app: FastifyInstance, overrides: { name?: string, email?: string, password?: string, age?: number | null, role?: 'admin' } = {}
): Promise<TestUser> {
  counter += 1
  const { role, ...fields } = overrides
  const body = { name: `User ${counter}`, email: `user${counter}.${process.pid}@example.com`, password: 'correct-horse', ...fields }
  const signUp = await app.inject({ method: 'POST', url: '/api/v1/users', payload: body })
  if (signUp.statusCode !== 201) throw new Error(`sign-up failed: ${signUp.statusCode} ${signUp.body}`)
  const user = signUp.json()
  // There is no API to promote the first admin (that is the CLI's job), so use the repository.
  if (role === 'admin') await updateUser(app.db, user.id, { role: 'admin' })
  const login = await app.inject({ method: 'POST', url: '/api/v1/login', payload: { email: body.email, password: body.password } })
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`)
  return { user: { ...user, role: role ?? 'user' }, accessToken: login.json().access_token, password: body.password }
}

/** `app.inject` with the user's bearer token. */
export async function injectAs (
  app: FastifyInstance, who: TestUser, options: InjectOptions
): Promise<LightMyRequestResponse> {
  return await app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${who.accessToken}` } })
}

/**
 * Inserts users straight through the repository, for bulk fixtures. They have no usable
 * password (the stored hash is not a hash), so they can be looked at but never log in.
 */
export async function seedUsers (
  app: FastifyInstance, rows: Array<Partial<Omit<NewUserRow, 'hashed_password'>> & { name: string }>
): Promise<UserRow[]> {
  const seeded: UserRow[] = []
  for (const row of rows) {
    counter += 1
    seeded.push(await insertUser(app.db, {
      email: `seed${counter}.${process.pid}@example.com`, age: null, role: 'user', ...row, hashed_password: 'not-a-hash'
    }))
  }
  return seeded
}

/**
 * Three users whose tokens no longer sign anyone in: one deleted, one deactivated, one who has
 * changed their password since logging in (each through the API, but the deactivation).
 */
export async function formerlySignedIn (app: FastifyInstance): Promise<TestUser[]> {
  const [deleted, deactivated, changed] = [await createUser(app), await createUser(app), await createUser(app)]
  expectStatus(await injectAs(app, deleted, { method: 'DELETE', url: '/api/v1/users/me' }), 204)
  await updateUser(app.db, deactivated.user.id, { is_active: 0 })
  const password = { current_password: changed.password, new_password: 'another-horse' }
  expectStatus(await injectAs(app, changed, { method: 'PUT', url: '/api/v1/users/me/password', payload: password }), 204)
  return [deleted, deactivated, changed]
}

function expectStatus (res: LightMyRequestResponse, status: number): void {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode} ${res.body}`)
}
