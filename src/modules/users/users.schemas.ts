import { Type, type Static } from '@sinclair/typebox'
import type { UserRow } from '../../db/tables.js'
import { isOwnerOrAdmin } from '../../plugins/auth.js'
import { IdParams, MAX_QUERY_INTEGER, Nullable, PageSchema, TimestampSchema, TrimmedString } from '../../schemas/common.js'

const NameSchema = TrimmedString({ minLength: 1, maxLength: 100, description: 'Trimmed, 1–100 characters' })
const AgeSchema = Nullable(Type.Integer({ minimum: 0, maximum: 150 }))
export const RoleSchema = Type.Union([Type.Literal('user'), Type.Literal('admin')])
export const PasswordSchema = Type.String({ minLength: 8, maxLength: 128, format: 'password' })

export const UserSchema = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  name: Type.String(),
  email: Type.Optional(Type.String({ format: 'email', description: 'Only for the user themself and admins' })),
  age: Type.Optional(Nullable(Type.Integer({ description: 'Only for the user themself and admins' }))),
  role: RoleSchema,
  is_active: Type.Boolean(),
  created_at: TimestampSchema
})
export type User = Static<typeof UserSchema>

export const CreateUserBodySchema = Type.Object({
  name: NameSchema,
  email: Type.String({ transform: ['trim', 'toLowerCase'], format: 'email', maxLength: 320, description: 'Stored lower-case' }),
  password: PasswordSchema,
  age: Type.Optional(AgeSchema)
})
export type CreateUserBody = Static<typeof CreateUserBodySchema>

export const UpdateMeBodySchema = Type.Object({
  name: Type.Optional(NameSchema),
  age: Type.Optional(AgeSchema)
})
export type UpdateMeBody = Static<typeof UpdateMeBodySchema>

export const AdminUpdateUserBodySchema = Type.Object({
  name: Type.Optional(NameSchema),
  age: Type.Optional(AgeSchema),
  role: Type.Optional(RoleSchema),
  is_active: Type.Optional(Type.Boolean())
})
export type AdminUpdateUserBody = Static<typeof AdminUpdateUserBodySchema>

export const UserIdParamsSchema = IdParams('user_id')

export const UserPageSchema = PageSchema(UserSchema)

export const UserSearchSortSchema = Type.Union([Type.Literal('name'), Type.Literal('email'), Type.Literal('created_at')])

export const SearchQuerySchema = Type.Object({
  q: Type.String({ minLength: 3, maxLength: 50, description: 'Matched literally, case-insensitively, against names (and e-mails, for admins)' }),
  skip: Type.Integer({ minimum: 0, maximum: MAX_QUERY_INTEGER, default: 0, description: 'Matches to skip' }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Most matches to return' }),
  sort: Type.Optional({ ...UserSearchSortSchema, description: 'Ascending; `email` is for admins only. Default: id' })
})
export type SearchQuery = Static<typeof SearchQuerySchema>

/** The wire form of a user as `viewer` may see it: e-mail and age for themself and admins. */
export function toUserResponse (row: UserRow, viewer: UserRow | null): User {
  const user: User = {
    id: row.id, name: row.name, role: row.role, is_active: row.is_active === 1, created_at: row.created_at
  }
  if (isOwnerOrAdmin(viewer, row.id)) {
    user.email = row.email
    user.age = row.age
  }
  return user
}
