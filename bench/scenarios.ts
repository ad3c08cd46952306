import { createCursorCodec } from '../src/modules/v2/cursor.js'
import type { BenchOptions } from './options.js'

/** A `write-floor` runs after Agora's scenarios, so that the rows it adds change nothing they measure. */
export type Target = 'ceiling' | 'fastify' | 'floor' | 'write-floor' | 'agora'

export interface Scenario {
  name: string
  title: string
  target: Target
  method: 'GET' | 'POST'
  /** `{id}` becomes a random id from 1 to `ids` on every request, so no one row's cache flatters the figure. */
  path: string
  ids?: number
  headers?: Record<string, string>
  body?: string
  connections: number
  /** Clients signing up one after another beside the load. */
  signups?: number
  /** A floor runs when the Agora scenario it is compared with runs. */
  floorOf?: string
  /** The probe must answer a non-empty page: a filter that matches nothing measures nothing. */
  expectItems?: boolean
}

export interface ScenarioContext {
  options: BenchOptions
  accessToken: string
  /** The server's JWT_SECRET: v2 cursors are signed with a key derived from it. */
  jwtSecret: string
}

// Issue 8's own figures for the search and the writes, and for the sign-ups beside a read.
const FEW_CONNECTIONS = 10
const SIGNUPS = 20

const list = (query: string): string => `/api/v1/products?${query}`

const NEW_PRODUCT = JSON.stringify({ name: 'Bench Walnut Lamp', description: 'A lamp the benchmark made.', price: 49.99, quantity: 3, tags: ['decor', 'home'] })

/** The ceiling, Fastify alone and the floors. */
export function referenceScenarios ({ options, accessToken }: ScenarioContext): Scenario[] {
  const { connections, users } = options
  const bearer = { authorization: `Bearer ${accessToken}` }
  return [
    { name: 'ceiling', title: 'ceiling: bare node:http, GET /', target: 'ceiling', method: 'GET', path: '/', connections },
    { name: 'fastify', title: 'Fastify alone, GET /', target: 'fastify', method: 'GET', path: '/', connections, floorOf: 'root' },
    { name: 'floor-root', title: 'Fastify + duties, GET /', target: 'floor', method: 'GET', path: '/', connections, floorOf: 'root' },
    {
      name: 'floor-user',
      title: 'minimal read + duties, GET /api/v1/users/{id} (Bearer)',
      target: 'floor',
      method: 'GET',
      path: '/api/v1/users/{id}',
      ids: users,
      headers: bearer,
      connections,
      floorOf: 'user'
    },
    {
      name: 'floor-create',
      title: 'minimal create + duties, POST /api/v1/products (Bearer)',
      target: 'write-floor',
      method: 'POST',
      path: '/api/v1/products',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: NEW_PRODUCT,
      connections: FEW_CONNECTIONS,
      floorOf: 'product-create'
    }
  ]
}

/** Agora's scenarios: the hot routes of issue 8 and the filters a shop's front page sends. */
export function agoraScenarios ({ options, accessToken, jwtSecret }: ScenarioContext): Scenario[] {
  const { connections, products, users } = options
  const bearer = { authorization: `Bearer ${accessToken}` }
  const q = encodeURIComponent(options.query)
  // A cursor nine tenths into the table, made by the server's own codec: the client would
  // have to walk there page by page, and keyset pagination promises that depth costs nothing.
  const deepCursor = createCursorCodec(jwtSecret).encode('products', Math.floor(products * 0.9))
  const get = (name: string, path: string, extra: Partial<Scenario> = {}): Scenario =>
    ({ name, title: `GET ${path}`, target: 'agora', method: 'GET', path, connections, ...extra })
  const page = (name: string, query: string): Scenario => get(name, list(query), { expectItems: true })
  return [
    get('root', '/'),
    get('user', '/api/v1/users/{id}', { title: 'GET /api/v1/users/{id} (Bearer)', ids: users, headers: bearer }),
    get('product', '/api/v1/products/{id}', { ids: products }),
    page('products-page', 'page=1&page_size=10'),
    // `kitchen` and 10–500 each keep a good share of the seeded products: page 3 is far from the last.
    page('products-filtered', 'tag=kitchen&min_price=10&max_price=500&sort=-price&page=3&page_size=20'),
    page('products-in-stock', 'in_stock=true&sort=-created_at&page_size=20'),
    page('products-tag-price', 'tag=furniture&sort=price&page_size=20'),
    // Orders the tag's own index does not give, so each page walks the order's index.
    page('products-tag-name', 'tag=furniture&sort=name&page_size=20'),
    page('products-tag-in-stock', 'tag=furniture&in_stock=true&sort=-created_at&page_size=20'),
    page('products-price-range', 'min_price=20&max_price=100&sort=price&page=2&page_size=20'),
    page('products-search-sorted', `q=${q}&sort=-price&page_size=20`),
    get('products-search', list(`q=${q}&page_size=10`), { connections: FEW_CONNECTIONS, expectItems: true }),
    get('v2-first', '/api/v2/products?limit=20', { title: 'GET /api/v2/products?limit=20 (first page)', expectItems: true }),
    get('v2-deep', `/api/v2/products?limit=20&cursor=${deepCursor}`, { title: 'GET /api/v2/products?limit=20&cursor=… (90 % deep)', expectItems: true }),
    {
      name: 'product-create',
      title: 'POST /api/v1/products (Bearer)',
      target: 'agora',
      method: 'POST',
      path: '/api/v1/products',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: NEW_PRODUCT,
      connections: FEW_CONNECTIONS
    },
    get('product-signups', '/api/v1/products/{id}', { title: `GET /api/v1/products/{id} while ${SIGNUPS} sign-ups run`, ids: products, signups: SIGNUPS })
  ]
}

/** `--only` keeps a scenario when it is named, or when it is the floor of one that is. */
export function selected (scenario: Scenario, only: string[]): boolean {
  return only.length === 0 || scenario.name === 'ceiling' || only.includes(scenario.name) ||
    (scenario.floorOf !== undefined && only.includes(scenario.floorOf))
}

/** Whether a scenario adds rows (products, users). */
export function addsRows (scenario: Scenario): boolean {
  return scenario.method !== 'GET' || scenario.signups !== undefined
}

export function concretePath (scenario: Scenario): string {
  const ids = scenario.ids ?? 1
  return scenario.path.replace('{id}', String(1 + Math.floor(Math.random() * ids)))
}
