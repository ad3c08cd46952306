import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { updateUser } from '../../../src/modules/users/users.repository.js'
import { buildTestApp, testDialects } from '../../helpers/build-app.js'
import { createUser } from '../../helpers/users.js'
import { login } from './helpers.js'

async function timedFailedLogin (app: FastifyInstance, email: string, password: string): Promise<number> {
  const started = process.hrtime.bigint()
  const res = await login(app, email, password)
  if (res.statusCode !== 401) throw new Error(`expected 401, got ${res.statusCode}`)
  return Number(process.hrtime.bigint() - started) / 1e6
}

const median = (times: number[]): number => times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!

for (const dialect of testDialects()) {
  describe(`login timing (${dialect})`, () => {
    it('an unknown e-mail or an inactive user is not answered faster than a wrong password (a hash is always verified)', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const known = await createUser(app)
      const inactive = await createUser(app)
      await updateUser(app.db, inactive.user.id, { is_active: 0 })
      const times: Record<'wrong' | 'unknown' | 'inactive', number[]> = { wrong: [], unknown: [], inactive: [] }
      // Interleaved, so that a busy moment on the (shared) machine hits all three alike.
      for (let round = 0; round < 7; round += 1) {
        times.wrong.push(await timedFailedLogin(app, known.user.email, 'wrong-password'))
        times.unknown.push(await timedFailedLogin(app, 'nobody@example.com', 'wrong-password'))
        times.inactive.push(await timedFailedLogin(app, inactive.user.email, inactive.password))
      }
      const wrong = median(times.wrong)
      // Skipping the hash would answer in about a millisecond instead of tens.
      for (const label of ['unknown', 'inactive'] as const) {
        const ms = median(times[label])
        t.assert.ok(ms > wrong / 3, `${label}: ${ms.toFixed(1)} ms vs wrong password ${wrong.toFixed(1)} ms`)
      }
    })
  })
}
