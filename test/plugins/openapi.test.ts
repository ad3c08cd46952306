import { isDeepStrictEqual } from 'node:util'
import { describe, it, type TestContext } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { dereference, openApiDocument, operationsOf, type Json } from '../helpers/openapi.js'

/** Every object in `value`, however deep, with where it is. */
function * objectsIn (value: unknown, at: string): Generator<[string, Record<string, Json>]> {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield * objectsIn(item, `${at}/${index}`)
  } else if (value !== null && typeof value === 'object') {
    yield [at, value as Record<string, Json>]
    for (const [key, item] of Object.entries(value)) yield * objectsIn(item, `${at}/${key}`)
  }
}

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
    const signUp = dereference(doc).paths['/api/v1/users'].post
    t.assert.deepStrictEqual(signUp.requestBody.content['application/json'].schema.required.sort(), ['email', 'name', 'password'])
    t.assert.ok(signUp.responses['201'] !== undefined && signUp.responses['409'] !== undefined)
    t.assert.deepStrictEqual(doc.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl, '/api/v1/login')
    t.assert.deepStrictEqual(doc.paths['/api/v1/users/me'].get.security, [{ OAuth2PasswordBearer: [] }])
    const login = doc.paths['/api/v1/login'].post.requestBody.content
    t.assert.ok(login['application/json'] !== undefined && login['application/x-www-form-urlencoded'] !== undefined)
  })

  it('names every operation, uniquely, as a hand-written client would', async (t: TestContext) => {
    const operations = operationsOf(await openApiDocument(await buildTestApp(t, 'sqlite')))
    const named = Object.fromEntries(operations.map(({ method, path, operation }) => [`${method} ${path}`, operation.operationId]))
    t.assert.deepStrictEqual(named, {
      'GET /': 'getRoot',
      'GET /health': 'getHealth',
      'GET /ready': 'getReadiness',
      'GET /metrics': 'getMetrics',
      'POST /api/v1/users': 'createUser',
      'GET /api/v1/users': 'listUsers',
      'GET /api/v1/users/me': 'getMe',
      'PATCH /api/v1/users/me': 'updateMe',
      'DELETE /api/v1/users/me': 'deleteMe',
      'PUT /api/v1/users/me/password': 'changePassword',
      'GET /api/v1/users/{user_id}': 'getUser',
      'PATCH /api/v1/users/{user_id}': 'updateUser',
      'DELETE /api/v1/users/{user_id}': 'deleteUser',
      'GET /api/v1/search': 'searchUsers',
      'POST /api/v1/login': 'login',
      'POST /api/v1/auth/refresh': 'refreshToken',
      'POST /api/v1/auth/logout': 'logout',
      'POST /api/v1/auth/password-reset': 'requestPasswordReset',
      'POST /api/v1/auth/password-reset/confirm': 'confirmPasswordReset',
      'POST /api/v1/products': 'createProduct',
      'GET /api/v1/products': 'listProducts',
      'GET /api/v1/products/{product_id}': 'getProduct',
      'PATCH /api/v1/products/{product_id}': 'updateProduct',
      'DELETE /api/v1/products/{product_id}': 'deleteProduct',
      'POST /api/v1/posts': 'createPost',
      'GET /api/v1/posts': 'listPosts',
      'GET /api/v1/posts/{post_id}': 'getPost',
      'PATCH /api/v1/posts/{post_id}': 'updatePost',
      'DELETE /api/v1/posts/{post_id}': 'deletePost',
      'POST /api/v1/upload': 'uploadFile',
      'POST /api/v1/upload-multiple': 'uploadFiles',
      'GET /api/v1/uploads/{upload_id}': 'downloadFile',
      'DELETE /api/v1/uploads/{upload_id}': 'deleteFile',
      'GET /api/v2/users': 'listUsersByCursor',
      'GET /api/v2/products': 'listProductsByCursor',
      'GET /api/v2/posts': 'listPostsByCursor'
    })
  })

  it('marks nothing that has a default as required', async (t: TestContext) => {
    const doc = dereference(await openApiDocument(await buildTestApp(t, 'sqlite')))
    const wrong: string[] = []
    for (const { method, path, operation } of operationsOf(doc)) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.required === true && parameter.schema?.default !== undefined) wrong.push(`${method} ${path} ${parameter.name}`)
      }
    }
    for (const [at, schema] of objectsIn(doc, '#')) {
      const { properties, required } = schema
      if (!Array.isArray(required) || properties === null || typeof properties !== 'object' || Array.isArray(properties)) continue
      for (const name of required) {
        const member = properties[name as string]
        if (member !== null && typeof member === 'object' && 'default' in member) wrong.push(`${at} ${String(name)}`)
      }
    }
    t.assert.deepStrictEqual(wrong, [])
    const page = doc.paths['/api/v1/products']!.get!.parameters!.find((p) => p.name === 'page')!
    t.assert.deepStrictEqual([page.required, page.schema!.default], [false, 1])
  })

  it('names every shape once: a component, never an inline copy of one', async (t: TestContext) => {
    const doc = await openApiDocument(await buildTestApp(t, 'sqlite'))
    const components = doc.components.schemas
    for (const name of ['User', 'UserPage', 'Product', 'ProductPage', 'ProductCursorPage', 'Post', 'Upload', 'Token',
      'HTTPError', 'HTTPValidationError', 'ValidationError', 'Problem', 'ProductSort', 'Role']) {
      t.assert.ok(components[name] !== undefined, `${name} is a component`)
    }
    const copies: string[] = []
    const outside = [...objectsIn(doc.paths, '#/paths'), ...Object.entries(components).flatMap(([name, schema]) =>
      [...objectsIn(schema, `#/components/schemas/${name}`)].slice(1))]
    for (const [at, schema] of outside) {
      const same = Object.entries(components).find(([, component]) => isDeepStrictEqual(component, schema))
      if (same !== undefined) copies.push(`${at} is ${same[0]}`)
    }
    t.assert.deepStrictEqual(copies, [])
    const page = doc.paths['/api/v1/products']!.get!.responses!['200']!.content!['application/json']!.schema
    t.assert.deepStrictEqual(page, { $ref: '#/components/schemas/ProductPage' })
  })

  it('publishes ids as integers, choices as one enum and none of the validator\'s own keywords', async (t: TestContext) => {
    const doc = await openApiDocument(await buildTestApp(t, 'sqlite'))
    const ids = operationsOf(doc).flatMap(({ operation }) => (operation.parameters ?? [])
      .filter((p) => p.in === 'path' && p.name !== 'upload_id').map((p) => p.schema))
    t.assert.strictEqual(ids.length, 9)
    for (const schema of ids) t.assert.deepStrictEqual([schema?.type, schema?.minimum, schema?.format], ['integer', 1, 'int64'])
    t.assert.deepStrictEqual(doc.components.schemas.ProductSort, {
      type: 'string', enum: ['name', '-name', 'price', '-price', 'created_at', '-created_at']
    })
    t.assert.deepStrictEqual(doc.components.schemas.Role, { type: 'string', enum: ['user', 'admin'] })
    const leaks = [...objectsIn(doc, '#')].flatMap(([at, schema]) =>
      ['transform', 'maxDecimalPlaces', 'x-error'].filter((key) => key in schema).map((key) => `${at} ${key}`))
    t.assert.deepStrictEqual(leaks, [])
  })

  it('says who may call each operation, describes every answer and names its server, license and tags', async (t: TestContext) => {
    const doc = await openApiDocument(await buildTestApp(t, 'sqlite'))
    t.assert.deepStrictEqual(doc.info.license, { name: 'MIT', identifier: 'MIT' })
    t.assert.deepStrictEqual(doc.servers.map((server) => server.url), ['/'])
    const tags = new Map(doc.tags.map((tag) => [tag.name, tag.description ?? '']))
    const problems: string[] = []
    for (const { method, path, operation } of operationsOf(doc)) {
      if (!Array.isArray(operation.security)) problems.push(`${method} ${path}: no security`)
      for (const tag of operation.tags ?? []) if ((tags.get(tag) ?? '') === '') problems.push(`${method} ${path}: tag ${tag} is not described`)
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if ([undefined, '', 'Default Response'].includes(response.description)) problems.push(`${method} ${path} ${status}: no description`)
      }
    }
    t.assert.deepStrictEqual(problems, [])
    for (const open of ['/api/v1/products', '/api/v1/login', '/']) {
      t.assert.deepStrictEqual(doc.paths[open]![open === '/api/v1/login' ? 'post' : 'get']!.security, [], `${open} is public`)
    }
    t.assert.ok(doc.paths['/api/v1/products']!.get!.responses!['422'] !== undefined)
    t.assert.match(doc.info.description ?? '', /Unchanged.*With a bearer token/s)
  })

  it('serves Swagger UI and ReDoc with their assets from Agora itself', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const docs = await app.inject({ url: '/docs' })
    const html = docs.statusCode === 200 ? docs.body : (await app.inject({ url: docs.headers.location as string })).body
    t.assert.match(html, /swagger-ui/)
    t.assert.match(html, /<title>Agora API – Swagger UI<\/title>/)
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
      t.assert.ok(!asset.body.includes('cdn.redoc.ly'), `${url!} names no CDN`)
    }
  })

  it('serves a favicon', async (t: TestContext) => {
    const app = await buildTestApp(t, 'sqlite')
    const ico = await app.inject({ url: '/favicon.ico' })
    t.assert.deepStrictEqual([ico.statusCode, ico.headers['content-type']], [200, 'image/x-icon'])
    t.assert.deepStrictEqual([...ico.rawPayload.subarray(0, 4)], [0, 0, 1, 0], 'an ICO header')
    const svg = await app.inject({ url: '/favicon.svg' })
    t.assert.deepStrictEqual([svg.statusCode, svg.headers['content-type']], [200, 'image/svg+xml'])
  })
})
