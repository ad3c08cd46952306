import { Type, type Static } from '@sinclair/typebox'
import type { PostRow } from '../../db/tables.js'
import { IdParams, PageQuerySchema, PageSchema, rowId, TimestampSchema, TrimmedString } from '../../schemas/common.js'
import type { PostFilters } from './posts.list.js'

const TitleSchema = TrimmedString({ minLength: 1, maxLength: 200, description: 'Trimmed, 1–200 characters' })
const ContentSchema = Type.String({ minLength: 1, maxLength: 50_000 })

export const PostSchema = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  title: Type.String(),
  content: Type.String(),
  published: Type.Boolean(),
  user_id: Type.Integer({ minimum: 1 }),
  created_at: TimestampSchema,
  updated_at: TimestampSchema
})
export type Post = Static<typeof PostSchema>

export const CreatePostBodySchema = Type.Object({
  title: TitleSchema,
  content: ContentSchema,
  published: Type.Boolean({ default: true, description: 'false keeps it a draft, seen only by its author and admins' })
})
export type CreatePostBody = Static<typeof CreatePostBodySchema>

export const UpdatePostBodySchema = Type.Object({
  title: Type.Optional(TitleSchema),
  content: Type.Optional(ContentSchema),
  published: Type.Optional(Type.Boolean())
})
export type UpdatePostBody = Static<typeof UpdatePostBodySchema>

/** The filters of a post list, shared by every page style (visibility comes from the caller). */
export const PostFilterQuerySchema = Type.Object({
  // A path-style id: any id up to 2^63−1 is valid, and none can overflow a bigint parameter.
  author_id: Type.Optional({ ...IdParams('author_id').properties.author_id, description: 'Only the posts of this user' }),
  q: Type.Optional(Type.String({ maxLength: 100, description: 'Contained in the title or content, case-insensitively; `%`, `_` and `\\` are literal' }))
})
export type PostFilterQuery = Static<typeof PostFilterQuerySchema>

export const PostListQuerySchema = Type.Object({ ...PageQuerySchema.properties, ...PostFilterQuerySchema.properties })
export type PostListQuery = Static<typeof PostListQuerySchema>

/** The repository's filters for a validated query, as `viewer` sees the posts. */
export function toPostFilters (query: PostFilterQuery, viewer: PostFilters['viewer']): PostFilters {
  return { viewer, authorId: query.author_id === undefined ? undefined : rowId(query.author_id), text: query.q }
}

export const PostIdParamsSchema = IdParams('post_id')

export const PostPageSchema = PageSchema(PostSchema)

export function toPostResponse (row: PostRow): Post {
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    published: row.published === 1,
    user_id: row.user_id,
    created_at: row.created_at,
    updated_at: row.updated_at
  }
}
