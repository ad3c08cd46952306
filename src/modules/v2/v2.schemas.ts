import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Nullable } from '../../schemas/common.js'
import { PostSchema } from '../posts/posts.schemas.js'
import { ProductSchema } from '../products/products.schemas.js'
import { UserSchema } from '../users/users.schemas.js'

export const CursorQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Items per page' }),
  cursor: Type.Optional(Type.String({
    minLength: 1, maxLength: 512, description: 'The `next_cursor` of the previous page, as given; absent for the first page'
  }))
})
export type CursorQuery = Static<typeof CursorQuerySchema>

/** The v2 list envelope. */
export function CursorPageSchema<T extends TSchema> (item: T) {
  return Type.Object({
    items: Type.Array(item, { description: 'By id ascending; `limit` of them on every page but the last' }),
    next_cursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page' }))
  })
}

export const UserCursorPageSchema = CursorPageSchema(UserSchema)
export const ProductCursorPageSchema = CursorPageSchema(ProductSchema)
export const PostCursorPageSchema = CursorPageSchema(PostSchema)

/**
 * The page for rows fetched with `limit + 1`: the extra row only says that there is a
 * next page, which starts after the last row shown.
 */
export function toCursorPage<R extends { id: number }, T> (
  rows: R[], limit: number, toItem: (row: R) => T, encode: (lastId: number) => string
): { items: T[], next_cursor: string | null } {
  const shown = rows.slice(0, limit)
  const last = shown.at(-1)
  return { items: shown.map(toItem), next_cursor: rows.length > limit && last !== undefined ? encode(last.id) : null }
}
