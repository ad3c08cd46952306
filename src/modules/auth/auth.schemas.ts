import { Type, type Static } from '@sinclair/typebox'
import { PasswordSchema } from '../users/users.schemas.js'

/**
 * JSON `{email, password}` or the OAuth2 password form `username=&password=` (what
 * Swagger UI's Authorize button and the guide's clients send).
 */
export const LoginBodySchema = Type.Object({
  email: Type.Optional(Type.String({ transform: ['trim', 'toLowerCase'], minLength: 1, maxLength: 320 })),
  username: Type.Optional(Type.String({ transform: ['trim', 'toLowerCase'], minLength: 1, maxLength: 320, description: 'The e-mail, in the OAuth2 form' })),
  password: Type.String({ minLength: 1, maxLength: 1024, format: 'password' })
})
export type LoginBody = Static<typeof LoginBodySchema>

export const TokenResponseSchema = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
  refresh_token: Type.String({ description: 'Opaque and single use: POST it to /auth/refresh for a new pair' })
})

const OpaqueToken = Type.String({ minLength: 1, maxLength: 512 })

export const RefreshBodySchema = Type.Object({ refresh_token: OpaqueToken })
export type RefreshBody = Static<typeof RefreshBodySchema>

export const ChangePasswordBodySchema = Type.Object({
  current_password: Type.String({ minLength: 1, maxLength: 1024, format: 'password' }),
  new_password: PasswordSchema
})
export type ChangePasswordBody = Static<typeof ChangePasswordBodySchema>

export const PasswordResetBodySchema = Type.Object({
  email: Type.String({ transform: ['trim', 'toLowerCase'], format: 'email', maxLength: 320 })
})
export type PasswordResetBody = Static<typeof PasswordResetBodySchema>

export const PasswordResetConfirmBodySchema = Type.Object({
  token: OpaqueToken,
  new_password: PasswordSchema
})
export type PasswordResetConfirmBody = Static<typeof PasswordResetConfirmBodySchema>
