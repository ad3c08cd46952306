import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

export interface Pair {
  access_token: string
  token_type: string
  expires_in: number
  refresh_token: string
}

export async function login (app: FastifyInstance, email: string, password: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'POST', url: '/api/v1/login', payload: { email, password } })
}

/** Logs in and returns the token pair; throws on anything but 200. */
export async function loginPair (app: FastifyInstance, email: string, password: string): Promise<Pair> {
  const res = await login(app, email, password)
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

export async function refresh (app: FastifyInstance, token: string, url = '/api/v1/auth/refresh'): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'POST', url, payload: { refresh_token: token } })
}

export async function logout (app: FastifyInstance, token: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refresh_token: token } })
}

/** GET /users/me with `token` as the bearer token. */
export async function me (app: FastifyInstance, token: string): Promise<LightMyRequestResponse> {
  return await app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } })
}

export const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))
