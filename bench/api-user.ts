import { randomBytes } from 'node:crypto'

export interface BenchUser {
  email: string
  password: string
  accessToken: string
}

async function postJson (url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`)
  return await response.json()
}

/** Signs a user up and logs in through the API, as a client would: no shortcut into the database. */
export async function createBenchUser (baseUrl: string): Promise<BenchUser> {
  const email = `bench.${randomBytes(4).toString('hex')}@example.com`
  const password = 'bench-password'
  await postJson(`${baseUrl}/api/v1/users`, { name: 'Bench', email, password })
  const login = await postJson(`${baseUrl}/api/v1/login`, { email, password }) as { access_token?: unknown }
  if (typeof login.access_token !== 'string') throw new Error('POST /api/v1/login gave no access_token')
  return { email, password, accessToken: login.access_token }
}
