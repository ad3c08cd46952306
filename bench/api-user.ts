import { randomBytes } from 'node:crypto'

async function postJson (url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`)
  return await response.json()
}

/** Signs a user up and logs in through the API, as a client would; returns the access token. */
export async function createBenchUser (baseUrl: string): Promise<string> {
  const email = `bench.${randomBytes(4).toString('hex')}@example.com`
  const password = 'bench-password'
  await postJson(`${baseUrl}/api/v1/users`, { name: 'Bench', email, password })
  const login = await postJson(`${baseUrl}/api/v1/login`, { email, password }) as { access_token?: unknown }
  if (typeof login.access_token !== 'string') throw new Error('POST /api/v1/login gave no access_token')
  return login.access_token
}

export interface SignupCounts {
  completed: number
  /** How long the loops ran, warm-up included. */
  seconds: number
  /** Sign-ups that did not answer 201, by status (`error` for a failed connection). */
  failed: Record<string, number>
}

/** `clients` loops signing up fresh e-mails (argon2id on the server), in the bench process: so few cost it little. */
export function startSignups (baseUrl: string, clients: number): { stop (): Promise<SignupCounts> } {
  const counts: SignupCounts = { completed: 0, seconds: 0, failed: {} }
  const started = performance.now()
  const prefix = `signup.${randomBytes(4).toString('hex')}`
  const state = { running: true }
  let next = 0
  const client = async (): Promise<void> => {
    while (state.running) {
      const email = `${prefix}.${next++}@example.com`
      let outcome: string
      try {
        const response = await fetch(`${baseUrl}/api/v1/users`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Sign Up', email, password: 'signup-password' })
        })
        await response.arrayBuffer()
        outcome = String(response.status)
      } catch {
        outcome = 'error'
      }
      if (outcome === '201') counts.completed++
      else counts.failed[outcome] = (counts.failed[outcome] ?? 0) + 1
    }
  }
  const loops = Array.from({ length: clients }, client)
  // Once: a second call (the cleanup after an error) gets the same counts.
  let stopped: Promise<SignupCounts> | undefined
  return {
    async stop () {
      stopped ??= (async () => {
        state.running = false
        await Promise.all(loops)
        counts.seconds = (performance.now() - started) / 1000
        return counts
      })()
      return await stopped
    }
  }
}
