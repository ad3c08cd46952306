import { Type, type Static } from '@sinclair/typebox'
import { IdParams, MAX_QUERY_NUMBER, Nullable, PageQuerySchema, PageSchema, TimestampSchema, TrimmedString } from '../../schemas/common.js'
import { searchText } from '../../db/dialect-sql.js'
import { fromCents, priceBoundToCents } from '../../lib/money.js'
import { PriceSchema } from '../../schemas/money.js'
import type { ProductFilters } from './products.filters.js'
import type { ProductWithTags } from './products.repository.js'

const NameSchema = TrimmedString({ minLength: 1, maxLength: 100, description: 'Trimmed, 1–100 characters' })
const DescriptionSchema = Nullable(Type.String({ maxLength: 500 }))
// int4 on PostgreSQL: a bigger count would be a 500 there instead of a 422.
const QuantitySchema = Type.Integer({ minimum: 0, maximum: 2_147_483_647 })
const TagsSchema = Type.Array(
  Type.String({ transform: ['trim', 'toLowerCase'], minLength: 1, maxLength: 30 }),
  { maxItems: 10, description: 'At most 10; each trimmed and lower-cased, 1–30 characters; duplicates are dropped' }
)

export const ProductSchema = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  name: Type.String(),
  description: Nullable(Type.String()),
  price: Type.Number({ examples: [19.99] }),
  quantity: Type.Integer({ minimum: 0 }),
  tags: Type.Array(Type.String()),
  owner_id: Type.Integer({ minimum: 1 }),
  created_at: TimestampSchema,
  updated_at: TimestampSchema
})
export type Product = Static<typeof ProductSchema>

export const CreateProductBodySchema = Type.Object({
  name: NameSchema,
  description: Type.Optional(DescriptionSchema),
  price: PriceSchema,
  quantity: QuantitySchema,
  tags: Type.Optional(TagsSchema)
})
export type CreateProductBody = Static<typeof CreateProductBodySchema>

export const UpdateProductBodySchema = Type.Partial(CreateProductBodySchema)
export type UpdateProductBody = Static<typeof UpdateProductBodySchema>

export const SORT_KEYS = ['name', '-name', 'price', '-price', 'created_at', '-created_at'] as const
export type ProductSort = typeof SORT_KEYS[number]
// One message for the whole choice, not one per literal of the union.
const sortError = { msg: `Input should be ${SORT_KEYS.map((key) => `'${key}'`).join(', ')}`, type: 'enum' }

export const ProductSortSchema = Type.Union(SORT_KEYS.map((key) => Type.Literal(key, { 'x-error': sortError })))

/** The filters of a product list, shared by every page style. */
export const ProductFilterQuerySchema = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100, description: 'Contained in the name or description, case-insensitively; `%`, `_` and `\\` are literal' })),
  tag: Type.Optional(Type.String({ transform: ['trim', 'toLowerCase'], maxLength: 30, description: 'Carries this tag (case-insensitive)' })),
  // Bounds past every price are clamped (priceBoundToCents), so any finite one is answered.
  min_price: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_QUERY_NUMBER, description: 'Inclusive' })),
  max_price: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_QUERY_NUMBER, description: 'Inclusive' })),
  in_stock: Type.Optional(Type.Boolean({ description: 'true: quantity > 0; false: quantity = 0' }))
})
export type ProductFilterQuery = Static<typeof ProductFilterQuerySchema>

export const ProductListQuerySchema = Type.Object({
  ...PageQuerySchema.properties,
  ...ProductFilterQuerySchema.properties,
  sort: Type.Optional({ ...ProductSortSchema, description: 'A leading `-` sorts descending: the ascending order reversed, so ties go by id descending. Default: id' })
})
export type ProductListQuery = Static<typeof ProductListQuerySchema>

/** The repository's filters for a validated query: prices as cents, rounded inwards. */
export function toProductFilters (query: ProductFilterQuery): ProductFilters {
  return {
    text: query.q === undefined || query.q === '' ? undefined : searchText(query.q),
    // An empty tag (`tag=`, or blanks trimmed away) narrows nothing, as an empty `q` does:
    // a list and its total must agree on it (a tag row named '' would hold no product).
    tag: query.tag === '' ? undefined : query.tag,
    minCents: query.min_price === undefined ? undefined : priceBoundToCents(query.min_price, 'up'),
    maxCents: query.max_price === undefined ? undefined : priceBoundToCents(query.max_price, 'down'),
    inStock: query.in_stock
  }
}

export const ProductIdParamsSchema = IdParams('product_id')

export const ProductPageSchema = PageSchema(ProductSchema)

/** Tags as stored: in the order sent, without repeats (they are normalised by the schema). */
export function uniqueTags (tags: string[]): string[] {
  return [...new Set(tags)]
}

export function toProductResponse (row: ProductWithTags): Product {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    price: fromCents(row.price_cents),
    quantity: row.quantity,
    tags: row.tags,
    owner_id: row.owner_id,
    created_at: row.created_at,
    updated_at: row.updated_at
  }
}
