import { existsSync } from 'node:fs'
import { describe, it, type TestContext } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import { buildTestApp, testDialects } from '../helpers/build-app.js'

// The system's Chromium only: nothing may download a browser (the machine may be offline).
const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]

/** Launches Chromium, closed by `t.after` (before the app, as after-hooks run in reverse). */
async function launch (t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 15_000 })
  t.after(async () => await browser.close())
  return browser
}

interface Watched {
  page: Page
  /** Requests that tried to leave the server: the docs must work offline. */
  external: string[]
  /**
   * Every request in Chromium's own network log that was not for this server, those that
   * the content security policy stopped before they were sent included.
   */
  logged: string[]
  /** Uncaught exceptions in the page, failed answers of the server, and what the CSP blocked. */
  errors: string[]
}

function isLocal (url: string, base: string): boolean {
  return url.startsWith(`${base}/`) || url.startsWith('data:') || url.startsWith('blob:')
}

async function openPage (browser: Browser, base: string): Promise<Watched> {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(10_000)
  const external: string[] = []
  const logged: string[] = []
  const errors: string[] = []
  const devtools = await context.newCDPSession(page)
  devtools.on('Network.requestWillBeSent', ({ request }) => { if (!isLocal(request.url, base)) logged.push(request.url) })
  await devtools.send('Network.enable')
  await page.route('**/*', async (route) => {
    const url = route.request().url()
    if (isLocal(url, base)) return await route.continue()
    external.push(url)
    return await route.abort()
  })
  page.on('pageerror', (error) => errors.push(error.message))
  // The server's content security policy is in force: what it refuses on the page itself
  // shows up here. Loads from other servers are meant to be refused (the docs work offline).
  page.on('console', (message) => {
    const text = message.text()
    if (message.type() !== 'error' || !/Content Security Policy/i.test(text)) return
    if (/'https?:\/\//.test(text) && !text.includes(`'${base}/`)) return
    errors.push(text)
  })
  page.on('response', (res) => { if (res.status() >= 400) errors.push(`${res.status()} ${res.url()}`) })
  return { page, external, logged, errors }
}

for (const dialect of testDialects()) {
  describe(`API docs in a browser (${dialect})`, () => {
    it('shows Swagger UI as Agora\'s, authorizes with the password flow, runs GET /api/v1/users/me and offers every sort', async (t: TestContext) => {
      if (!existsSync(CHROMIUM)) return t.skip(`no Chromium at ${CHROMIUM}`)
      const app = await buildTestApp(t, dialect)
      const base = await app.listen({ host: '127.0.0.1', port: 0 })
      const credentials = { name: 'Grace', email: 'grace@example.com', password: 'correct-horse-battery' }
      const signUp = await fetch(`${base}/users`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials)
      })
      t.assert.strictEqual(signUp.status, 201)

      const { page, external, logged, errors } = await openPage(await launch(t), base)
      const login = page.waitForResponse((res) => res.url() === `${base}/api/v1/login` && res.request().method() === 'POST')
      await page.goto(`${base}/docs`)
      await page.locator('.info .title').waitFor()
      t.assert.strictEqual(await page.title(), 'Agora API – Swagger UI')
      t.assert.match(await page.locator('.info .title').innerText(), /^Agora API\b/)
      // The standalone layout's top bar (a Swagger logo and a box to explore another URL) is gone.
      t.assert.deepStrictEqual([await page.locator('.topbar').count(), await page.locator('.download-url-input').count()], [0, 0])
      await page.locator('.auth-wrapper button.authorize').click()
      const dialog = page.locator('.dialog-ux .modal-ux')
      await dialog.locator('#oauth_username').fill(credentials.email)
      await dialog.locator('#oauth_password').fill(credentials.password)
      await dialog.locator('.auth-btn-wrapper button.authorize').click()
      t.assert.strictEqual((await login).status(), 200, 'the Authorize button logs in through POST /api/v1/login')
      // Once authorized, the dialog says so and offers to log out instead.
      await dialog.locator('h6', { hasText: 'Authorized' }).waitFor()
      await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor()
      await dialog.locator('.auth-btn-wrapper button.btn-done').click()
      await dialog.waitFor({ state: 'detached' })

      const operation = page.locator('.opblock.opblock-get').filter({ has: page.locator('[data-path="/api/v1/users/me"]') })
      await operation.locator('.opblock-summary').first().click()
      await operation.locator('button.try-out__btn').click()
      const me = page.waitForResponse((res) => res.url() === `${base}/api/v1/users/me`)
      await operation.locator('button.execute').click()
      t.assert.strictEqual((await me).request().headers().authorization?.startsWith('Bearer '), true, 'the token is sent')

      const live = operation.locator('.live-responses-table .response').first()
      await live.waitFor()
      t.assert.strictEqual((await live.locator('.response-col_status').innerText()).trim(), '200')
      t.assert.match(await live.locator('.response-col_description').innerText(), /grace@example\.com/)

      const products = page.locator('.opblock.opblock-get').filter({ has: page.locator('[data-path="/api/v1/products"]') })
      await products.locator('.opblock-summary').first().click()
      await products.locator('button.try-out__btn').click()
      const sort = products.locator('tr[data-param-name="sort"] select option')
      t.assert.deepStrictEqual((await sort.allInnerTexts()).filter((option) => option !== '--'), ['name', '-name', 'price', '-price', 'created_at', '-created_at'])
      t.assert.deepStrictEqual(external, [])
      t.assert.deepStrictEqual(logged, [])
      t.assert.deepStrictEqual(errors, [])
    })

    it('renders ReDoc with the API title, every request to this server', async (t: TestContext) => {
      if (!existsSync(CHROMIUM)) return t.skip(`no Chromium at ${CHROMIUM}`)
      const app = await buildTestApp(t, dialect)
      const base = await app.listen({ host: '127.0.0.1', port: 0 })

      const { page, external, logged, errors } = await openPage(await launch(t), base)
      await page.goto(`${base}/redoc`)
      t.assert.strictEqual(await page.title(), 'Agora API – ReDoc')
      const title = page.locator('#redoc h1').first()
      await title.waitFor()
      t.assert.match(await title.innerText(), /^Agora API\b/)
      // The operations come from /openapi.json, not just the page shell.
      await page.locator('h2', { hasText: 'The signed-in user' }).first().waitFor()
      // The sidebar's footer, whose logo came from Redocly's CDN.
      await page.getByText('API docs by Redocly').waitFor()
      t.assert.deepStrictEqual(external, [])
      t.assert.deepStrictEqual(logged, [])
      t.assert.deepStrictEqual(errors, [])
    })
  })
}
