import { execFile } from 'node:child_process'
import { describe, it, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { findHostileValue, MAX_DEPTH } from '../../src/plugins/input-safety.js'
import { mayHoldHostileValue, nestsDeeperThan, readJsonText } from '../../src/plugins/strict-json.js'
import { buildTestApp, testDialects } from '../helpers/build-app.js'
import { createUser, injectAs } from '../helpers/users.js'
import { ARRAY_HEAVY, bestOf, ONE_MIB_BODIES, type BodyCheckTimings } from './body-check-timings.js'

const execFileAsync = promisify(execFile)

/** The body check's timings from a child process that runs without coverage counters. */
async function timeUninstrumented (): Promise<BodyCheckTimings> {
  // Node copies NODE_V8_COVERAGE into a child's environment unless that environment names
  // it, so leaving it out would still count coverage there; empty turns coverage off.
  const env = { ...process.env, NODE_V8_COVERAGE: '' }
  const script = fileURLToPath(new URL('./body-check-timings.ts', import.meta.url))
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script], { env })
  return JSON.parse(stdout)
}

const json = { 'content-type': 'application/json' }
const signUpFields = '"name":"Ada","email":"ada@example.com","password":"correct-horse"'

async function countUsers (app: FastifyInstance): Promise<number> {
  const { n } = await app.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(n)
}

function nested (open: string, close: string, depth: number, inner = ''): string {
  return open.repeat(depth) + inner + close.repeat(depth)
}

describe('findHostileValue', () => {
  it('passes ordinary values, including non-ASCII text and surrogate pairs', (t: TestContext) => {
    const value = { name: 'Zoë 😀 日本', age: 0, price: -1.5e10, ok: true, none: null, tags: ['a', 'b'], deep: { list: [{ x: 'y' }] } }
    t.assert.strictEqual(findHostileValue(value, 'body'), undefined)
    t.assert.strictEqual(findHostileValue(undefined, 'body'), undefined)
    t.assert.strictEqual(findHostileValue('\ud83d\ude00', 'query'), undefined)
  })

  it('finds a NUL character and says where it is', (t: TestContext) => {
    t.assert.deepStrictEqual(findHostileValue({ tags: ['ok', 'b\u0000'] }, 'body'), {
      loc: ['body', 'tags', 1], msg: 'String should not contain NUL characters', type: 'string_nul'
    })
    t.assert.strictEqual(findHostileValue({ q: 'ab\u0000c' }, 'query')?.type, 'string_nul')
    t.assert.deepStrictEqual(findHostileValue({ q: 'ab\u0000c' }, 'query')?.loc, ['query', 'q'])
    t.assert.deepStrictEqual(findHostileValue('\u0000', 'body')?.loc, ['body'])
  })

  it('finds lone surrogates, high or low', (t: TestContext) => {
    for (const text of ['\ud800', 'a\udc00b', '\ude00\ud83d', 'x\udbff']) {
      const issue = findHostileValue({ user: { name: text } }, 'body')
      t.assert.deepStrictEqual(issue?.loc, ['body', 'user', 'name'], JSON.stringify(text))
      t.assert.strictEqual(issue?.type, 'string_unicode')
    }
  })

  it('finds numbers that are not finite', (t: TestContext) => {
    for (const number of [Infinity, -Infinity, NaN]) {
      t.assert.deepStrictEqual(findHostileValue({ age: number }, 'body'), {
        loc: ['body', 'age'], msg: 'Input should be a finite number', type: 'finite_number'
      })
    }
    t.assert.strictEqual(findHostileValue({ big: Number.MAX_VALUE, small: Number.MIN_VALUE }, 'body'), undefined)
  })

  it('finds field names with NUL characters or lone surrogates', (t: TestContext) => {
    t.assert.deepStrictEqual(findHostileValue({ meta: { 'a\u0000': 1 } }, 'body')?.loc, ['body', 'meta'])
    t.assert.strictEqual(findHostileValue({ '\ud800': 1 }, 'body')?.type, 'string_unicode')
  })

  it(`accepts ${MAX_DEPTH} levels of nesting and refuses one more`, (t: TestContext) => {
    const deepest = JSON.parse(nested('[', ']', MAX_DEPTH))
    t.assert.strictEqual(findHostileValue(deepest, 'body'), undefined)
    const tooDeep = JSON.parse(nested('[', ']', MAX_DEPTH + 1))
    const issue = findHostileValue(tooDeep, 'body')
    t.assert.strictEqual(issue?.type, 'too_deep')
    t.assert.strictEqual(issue?.loc[0], 'body')
    t.assert.strictEqual(findHostileValue(JSON.parse(nested('{"a":', '}', MAX_DEPTH - 1, '{}')), 'body'), undefined)
    t.assert.strictEqual(findHostileValue(JSON.parse(nested('{"a":', '}', MAX_DEPTH, '{}')), 'body')?.type, 'too_deep')
  })

  it('handles a million levels without exhausting the stack or the clock', (t: TestContext) => {
    let value: unknown = 'leaf'
    for (let i = 0; i < 1_000_000; i++) value = [value]
    const started = performance.now()
    t.assert.strictEqual(findHostileValue({ x: value }, 'body')?.type, 'too_deep')
    t.assert.ok(performance.now() - started < 1000)
  })

  it('handles wide values in linear time', (t: TestContext) => {
    const wide = Array.from({ length: 200_000 }, (_, i) => ({ i, s: 'text' }))
    t.assert.strictEqual(findHostileValue({ wide }, 'body'), undefined)
    wide.push({ i: -1, s: '\u0000' })
    t.assert.deepStrictEqual(findHostileValue({ wide }, 'body')?.loc, ['body', 'wide', 200_000, 's'])
  })
})

describe('the body check', () => {
  it('reads a 1 MiB body of any shape, and walks an array-heavy one, in well under 50 ms', async (t: TestContext) => {
    for (const [shape, text] of Object.entries(ONE_MIB_BODIES)) {
      const bytes = Buffer.from(text)
      t.assert.ok(bytes.length > 900_000 && bytes.length <= 1_048_576, `${shape}: ${bytes.length} bytes`)
      t.assert.strictEqual(readJsonText(bytes, 'application/json').clean, true, shape)
      if (ARRAY_HEAVY.includes(shape)) t.assert.strictEqual(findHostileValue(JSON.parse(text), 'body'), undefined, shape)
    }
    const { parse, ...steps } = await timeUninstrumented()
    t.assert.deepStrictEqual(Object.keys(steps.read), Object.keys(ONE_MIB_BODIES))
    t.assert.deepStrictEqual(Object.keys(steps.walk), ARRAY_HEAVY)
    // Under 25 ms (4–8 ms here), or, while the machine is slowed by other work, under what
    // parsing the same body takes at that moment (6–50 ms here): a check that grew with its
    // input faster than the parse does would fail both.
    for (const [step, figures] of Object.entries(steps)) {
      for (const [shape, ms] of Object.entries(figures)) {
        t.assert.ok(ms < Math.max(25, parse[shape]!), `${step}, ${shape}: ${ms.toFixed(1)} ms (parse: ${parse[shape]!.toFixed(1)} ms)`)
      }
    }
  })

  it('refuses excessive nesting from the bytes, before they are decoded or parsed', (t: TestContext) => {
    const deep = Buffer.from(nested('[', ']', 500_000))
    t.assert.strictEqual(nestsDeeperThan(deep, MAX_DEPTH), true)
    t.assert.ok(bestOf(3, () => nestsDeeperThan(deep, MAX_DEPTH)) < 5)
    t.assert.strictEqual(nestsDeeperThan(Buffer.from(nested('[', ']', MAX_DEPTH)), MAX_DEPTH), false)
    // Brackets inside strings, escaped quotes included, are text.
    t.assert.strictEqual(nestsDeeperThan(Buffer.from(JSON.stringify([`${'['.repeat(100)}\\"${'{'.repeat(100)}`])), MAX_DEPTH), false)
    t.assert.throws(() => readJsonText(deep, 'application/json'), (error: { issues?: Array<{ type: string }> }) => error.issues?.[0]?.type === 'too_deep')
  })

  it('refuses bytes that are not UTF-8 and charsets other than UTF-8', (t: TestContext) => {
    for (const bytes of [[0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe9]]) {
      const body = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from(bytes), Buffer.from('b"}')])
      t.assert.throws(() => readJsonText(body, 'application/json'), (error: { issues?: Array<{ type: string }> }) => error.issues?.[0]?.type === 'json_invalid')
    }
    for (const type of ['application/json; charset=latin1', 'application/json;charset="ISO-8859-1"', 'application/json; charset=utf-16']) {
      t.assert.throws(() => readJsonText(Buffer.from('{}'), type), (error: { statusCode?: number }) => error.statusCode === 415, type)
    }
    for (const type of [undefined, 'application/json', 'application/json; charset=UTF-8', 'application/json; charset="utf8"']) {
      t.assert.strictEqual(readJsonText(Buffer.from('{"a":"Zoë"}'), type).text, '{"a":"Zoë"}')
    }
  })

  it('walks only a body whose text may hold a hostile value', (t: TestContext) => {
    for (const text of ['{"a":"\\u0000"}', '{"a":"\\ud800"}', '{"a":"\\uDFFF"}', '{"a":1e400}', '{"a":1E+309}', `{"a":${'9'.repeat(400)}}`]) {
      t.assert.strictEqual(mayHoldHostileValue(text), true, text)
    }
    for (const text of ['{"a":"Zoë \\u00e9"}', '{"a":1e99,"b":-1.5e-30}', `{"a":${'9'.repeat(99)}}`, '{"a":"\\\\"}']) {
      t.assert.strictEqual(mayHoldHostileValue(text), false, text)
    }
  })
})

for (const dialect of testDialects()) {
  describe(`input safety (${dialect})`, () => {
    it('refuses prototype-poisoning bodies with 422 and stores nothing', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const payloads = [
        `{"__proto__":{"x":1},${signUpFields}}`,
        `{"constructor":{"prototype":{"x":1}},${signUpFields}}`,
        `{${signUpFields},"meta":{"__proto__":{"role":"admin"}}}`,
        `{${signUpFields},"list":[{"constructor":{"prototype":{"is_admin":true}}}]}`
      ]
      for (const payload of payloads) {
        const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: json, payload })
        t.assert.strictEqual(res.statusCode, 422, payload)
        t.assert.strictEqual(res.json().detail[0].loc[0], 'body')
      }
      t.assert.strictEqual(await countUsers(app), 0)
      t.assert.strictEqual(({} as Record<string, unknown>).x, undefined)
      t.assert.strictEqual(({} as Record<string, unknown>).role, undefined)
    })

    it('refuses a prototype-poisoning update, leaving the user as it was', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      const res = await injectAs(app, user, {
        method: 'PATCH', url: '/users/me', headers: json, payload: '{"name":"Eve","__proto__":{"role":"admin"}}'
      })
      t.assert.strictEqual(res.statusCode, 422)
      const me = await injectAs(app, user, { url: '/users/me' })
      t.assert.strictEqual(me.json().name, user.user.name)
      t.assert.strictEqual(me.json().role, 'user')
    })

    it('refuses a number too large to be finite with 422', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const age of ['1e400', '-1e400']) {
        const res = await app.inject({ method: 'POST', url: '/users', headers: json, payload: `{${signUpFields},"age":${age}}` })
        t.assert.strictEqual(res.statusCode, 422, age)
        t.assert.deepStrictEqual(res.json().detail.map((issue: { loc: unknown[] }) => issue.loc), [['body', 'age']])
      }
      t.assert.strictEqual(await countUsers(app), 0)
    })

    it('refuses NUL characters and lone surrogates in any body field with 422 and stores nothing', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      for (const bad of ['\u0000', '\ud800', '\udfff']) {
        for (const field of ['name', 'email', 'password'] as const) {
          const body = { name: 'Ada', email: 'ada@example.com', password: 'correct-horse' }
          body[field] = field === 'email' ? `ada${bad}@example.com` : `${body[field]}${bad}`
          // JSON.stringify writes both as \u escapes, as a client would send them.
          const payload = JSON.stringify(body)
          const res = await app.inject({ method: 'POST', url: '/users', headers: json, payload })
          t.assert.strictEqual(res.statusCode, 422, payload)
          t.assert.deepStrictEqual(res.json().detail[0].loc, ['body', field], payload)
        }
      }
      t.assert.strictEqual(await countUsers(app), 0)
    })

    it('refuses NUL characters in login and update bodies with 422, never 500', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      const login = await app.inject({
        method: 'POST', url: '/login', headers: json, payload: `{"email":"${user.user.email}","password":"correct-horse\\u0000"}`
      })
      t.assert.strictEqual(login.statusCode, 422)
      const form = await app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `username=${encodeURIComponent(user.user.email)}&password=correct-horse%00`
      })
      t.assert.strictEqual(form.statusCode, 422)
      const update = await injectAs(app, user, { method: 'PATCH', url: '/users/me', headers: json, payload: '{"name":"E\\u0000ve"}' })
      t.assert.strictEqual(update.statusCode, 422)
      t.assert.strictEqual((await injectAs(app, user, { url: '/users/me' })).json().name, user.user.name)
    })

    it('refuses NUL characters in query strings and paths with 422, never 500', async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const user = await createUser(app)
      const search = await injectAs(app, user, { url: '/search?q=ab%00c' })
      t.assert.strictEqual(search.statusCode, 422)
      t.assert.deepStrictEqual(search.json().detail[0].loc, ['query', 'q'])
      const page = await injectAs(app, user, { url: '/api/v1/users?page=1%00' })
      t.assert.strictEqual(page.statusCode, 422)
      t.assert.deepStrictEqual(page.json().detail[0].loc, ['query', 'page'])
      const path = await injectAs(app, user, { url: '/users/1%00' })
      t.assert.strictEqual(path.statusCode, 422)
      t.assert.deepStrictEqual(path.json().detail[0].loc, ['path', 'user_id'])
      for (const url of ['/search?q=ab%ED%A0%80c', '/search?q=ab%zzc', '/search?q=%E0%A4%A']) {
        const res = await injectAs(app, user, { url })
        t.assert.ok(res.statusCode < 500, `${url}: ${res.statusCode}`)
      }
    })

    it('answers deeply nested bodies with a 4xx, quickly', { timeout: 30_000 }, async (t: TestContext) => {
      const app = await buildTestApp(t, dialect)
      const bodies = [
        `{${signUpFields},"x":${nested('[', ']', 10_000)}}`,
        // The deepest array nesting that fits under the 1 MiB body limit.
        `{${signUpFields},"x":${nested('[', ']', 500_000)}}`,
        `{${signUpFields},"x":${nested('{"a":', '}', 100_000, '1')}}`,
        nested('[', ']', 10_000)
      ]
      for (const payload of bodies) {
        const res = await app.inject({ method: 'POST', url: '/users', headers: json, payload })
        t.assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${payload.length} bytes: ${res.statusCode}`)
      }
      t.assert.strictEqual(await countUsers(app), 0)
    })
  })
}
