import { createCursorCodec } from '../src/modules/v2/cursor.js'
import type { BenchUser } from './api-user.js'
import type { BenchOptions } from './options.js'

export interface Scenario {
  /** Short name for `--only` and the JSON. */
  name: string
  /** What the table shows. */
  title: string
  target: 'ceiling' | 'agora'
  method: 'GET' | 'POST'
  path: string
  /** A new path per request (random ids), so that one row's cache does not flatter the numbers. */
  nextPath?: () => string
  headers?: Record<string, string>
  body?: string
  connections: number
}

export interface ScenarioContext {
  options: BenchOptions
  user: BenchUser
  /** The server's JWT_SECRET: v2 cursors are signed with a key derived from it. */
  jwtSecret: string
}

const randomId = (max: number): number => 1 + Math.floor(Math.random() * max)

export function buildScenarios ({ options, user, jwtSecret }: ScenarioContext): Scenario[] {
  const { connections, products } = options
  const bearer = { authorization: `Bearer ${user.accessToken}` }
  // A cursor nine tenths into the table, made by the server's own codec: the client would
  // have to walk there page by page, and keyset pagination promises that depth costs nothing.
  const deepCursor = createCursorCodec(jwtSecret).encode('products', Math.floor(products * 0.9))
  return [
    { name: 'ceiling', title: 'ceiling: bare node:http', target: 'ceiling', method: 'GET', path: '/', connections },
    { name: 'health', title: 'GET /health', target: 'agora', method: 'GET', path: '/health', connections },
    {
      name: 'product',
      title: 'GET /api/v1/products/:id',
      target: 'agora',
      method: 'GET',
      path: '/api/v1/products/1',
      nextPath: () => `/api/v1/products/${randomId(products)}`,
      connections
    },
    { name: 'products-page', title: 'GET /api/v1/products?page=1&page_size=10', target: 'agora', method: 'GET', path: '/api/v1/products?page=1&page_size=10', connections },
    {
      name: 'products-search',
      title: `GET /api/v1/products?q=${options.query}&page_size=10`,
      target: 'agora',
      method: 'GET',
      path: `/api/v1/products?q=${encodeURIComponent(options.query)}&page_size=10`,
      connections
    },
    { name: 'v2-products-first', title: 'GET /api/v2/products?limit=20 (first page)', target: 'agora', method: 'GET', path: '/api/v2/products?limit=20', connections },
    { name: 'v2-products-deep', title: 'GET /api/v2/products?limit=20&cursor=… (90 % deep)', target: 'agora', method: 'GET', path: `/api/v2/products?limit=20&cursor=${deepCursor}`, connections },
    { name: 'users-me', title: 'GET /api/v1/users/me (Bearer)', target: 'agora', method: 'GET', path: '/api/v1/users/me', headers: bearer, connections },
    {
      name: 'login',
      title: 'POST /api/v1/login (argon2id)',
      target: 'agora',
      method: 'POST',
      path: '/api/v1/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
      connections: options.loginConnections
    }
  ]
}
