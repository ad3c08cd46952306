import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import FindMyWay, { type HTTPMethod } from 'find-my-way'
import { NotFound } from '../errors/coded-errors.js'

const REDIRECT_ROUTE = '/trailing-slash-redirect'

function pathEnd (url: string): number {
  const queryAt = url.indexOf('?')
  return queryAt === -1 ? url.length : queryAt
}

function withoutTrailingSlash (url: string): string | undefined {
  const end = pathEnd(url)
  if (end < 2 || url.charCodeAt(end - 1) !== 47 /* / */) return undefined
  return (url.slice(0, end).replace(/\/+$/, '') || '/') + url.slice(end)
}

/**
 * FastAPI's 307 from `/users/` to `/users` when a route serves the path, decided in `rewrite`
 * before routing (README, "Design notes"). `learn` is an onRoute hook added before the first route.
 * @param routedPath the path that a request's path is routed by (an unprefixed v1 alias gets /api/v1).
 */
export function trailingSlashRedirects (routedPath: (path: string) => string) {
  // Catch-alls are left out: they serve any path, and only a path a resource lives at is worth a redirect.
  const routes = FindMyWay()
  const methods = new Set<HTTPMethod>()

  function learn (route: RouteOptions): void {
    if (route.url === REDIRECT_ROUTE || route.url.endsWith('*')) return
    for (const method of (Array.isArray(route.method) ? route.method : [route.method]) as HTTPMethod[]) {
      methods.add(method)
      if (!routes.hasRoute(method, route.url)) routes.on(method, route.url, () => {})
    }
  }

  /** The URL to route a request by when it is to be redirected; undefined otherwise. */
  function rewrite (fastify: FastifyInstance, method: string, url: string): string | undefined {
    if (method === 'OPTIONS') return undefined
    const target = withoutTrailingSlash(url)
    if (target === undefined) return undefined
    const path = routedPath(url.slice(0, pathEnd(url)))
    if (fastify.hasRoute({ method: method as HTTPMethod, url: path })) return undefined
    const targetPath = routedPath(target.slice(0, pathEnd(target)))
    for (const known of methods) if (routes.find(known, targetPath) !== null) return REDIRECT_ROUTE
    return undefined
  }

  async function redirect (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const target = withoutTrailingSlash(request.originalUrl)
    // Asked for by its own name rather than sent here by `rewrite`: there is nothing here.
    if (target === undefined) throw new NotFound()
    return await reply.redirect(target, 307)
  }

  const plugin = fp(async function trailingSlash (fastify) {
    fastify.all(REDIRECT_ROUTE, { schema: { hide: true }, onRequest: redirect }, async function () {})
  }, { name: 'trailing-slash' })

  return { learn, rewrite, plugin }
}
