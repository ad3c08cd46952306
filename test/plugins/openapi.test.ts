import { describe, it, type TestContext } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'

describe('OpenAPI document and docs pages', () => {
  it('serves OpenAPI 3.1 built from the route schemas, each v1 route documented once', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const res = await app.inject({ url: '/openapi.json' })
    t.assert.strictEqual(res.statusCode, 200)
    const doc = res.json()
    t.assert.strictEqual(doc.openapi, '3.1.0')
    const paths = Object.keys(doc.paths)
    for (const path of ['/api/v1/users', '/api/v1/users/me', '/api/v1/users/{user_id}', '/api/v1/login', '/api/v1/search', '/', '/health', '/ready']) {
      t.assert.ok(paths.includes(path), `${path} is documented`)
    }
    t.assert.ok(!paths.includes('/users'), 'the unprefixed aliases are not documented twice')
    t.assert.ok(!paths.includes('/openapi.json') && !paths.includes('/redoc'), 'the docs routes are not documented')
    const signUp = doc.paths['/api/v1/users'].post
    t.assert.deepStrictEqual(signUp.requestBody.content['application/json'].schema.required.sort(), ['email', 'name', 'password'])
    t.assert.ok(signUp.responses['201'] !== undefined && signUp.responses['409'] !== undefined)
    t.assert.deepStrictEqual(doc.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl, '/api/v1/login')
    t.assert.deepStrictEqual(doc.paths['/api/v1/users/me'].get.security, [{ OAuth2PasswordBearer: [] }])
    const login = doc.paths['/api/v1/login'].post.requestBody.content
    t.assert.ok(login['application/json'] !== undefined && login['application/x-www-form-urlencoded'] !== undefined)
  })

  it('serves Swagger UI and ReDoc with their assets from Agora itself', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const docs = await app.inject({ url: '/docs' })
    const html = docs.statusCode === 200 ? docs.body : (await app.inject({ url: docs.headers.location as string })).body
    t.assert.match(html, /swagger-ui/)
    for (const src of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const url = src[1]!
      t.assert.ok(!/^(https?:)?\/\//.test(url), `${url} is served locally`)
    }
    const redoc = await app.inject({ url: '/redoc' })
    t.assert.strictEqual(redoc.statusCode, 200)
    t.assert.match(redoc.headers['content-type'] as string, /text\/html/)
    for (const [, url] of redoc.body.matchAll(/src="([^"]+)"/g)) {
      const asset = await app.inject({ url: url! })
      t.assert.strictEqual(asset.statusCode, 200, `${url!} is served`)
      t.assert.match(asset.headers['content-type'] as string, /javascript/)
    }
  })
})
