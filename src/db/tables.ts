import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

export interface Database {
  users: UsersTable
  jobs: JobsTable
  refresh_tokens: RefreshTokensTable
  password_resets: PasswordResetsTable
  products: ProductsTable
  product_tags: ProductTagsTable
  row_counts: RowCountsTable
  tag_counts: TagCountsTable
  price_counts: PriceCountsTable
  /** The same counts, of the products and tag rows in stock (migration 0015). */
  stock_price_counts: PriceCountsTable
  posts: PostsTable
  idempotency_keys: IdempotencyKeysTable
  uploads: UploadsTable
}

/** Timestamps are ISO 8601 strings on both dialects; flags are 0/1, as better-sqlite3 cannot bind booleans. */
export interface UsersTable {
  id: Generated<number>
  name: string
  email: string
  hashed_password: string
  age: number | null
  role: 'user' | 'admin'
  is_active: Generated<number>
  created_at: Generated<string>
  updated_at: Generated<string>
  /** Epoch seconds: access tokens with an `iat` at or before it are refused. Null: none are. */
  tokens_valid_after: Generated<number | null>
}

export type UserRow = Selectable<UsersTable>
export type NewUserRow = Insertable<UsersTable>
export type UserRowUpdate = Updateable<UsersTable>

export type JobStatus = 'queued' | 'running' | 'done' | 'failed'

/** `payload` is JSON text; while a job runs, `locked_by` holds it until `locked_until` ends its lease. */
export interface JobsTable {
  id: Generated<number>
  type: string
  payload: string
  status: Generated<JobStatus>
  attempts: Generated<number>
  /** Null: the worker's JOBS_MAX_ATTEMPTS. */
  max_attempts: number | null
  run_at: Generated<string>
  locked_by: string | null
  locked_until: string | null
  last_error: string | null
  created_at: Generated<string>
  updated_at: Generated<string>
  finished_at: string | null
}

export type JobRow = Selectable<JobsTable>
export type NewJobRow = Insertable<JobsTable>

/** Prices are integer cents, never floats; `version` grows by one per update and makes the ETag. */
export interface ProductsTable {
  id: Generated<number>
  name: string
  description: string | null
  price_cents: number
  quantity: number
  owner_id: number
  /** The tags in the order given, as a JSON array; triggers write the tag rows from it (migration 0019). */
  tags_json: string
  version: Generated<number>
  created_at: Generated<string>
  updated_at: Generated<string>
}

export type ProductRow = Selectable<ProductsTable>
export type NewProductRow = Insertable<ProductsTable>
/** A new product as callers describe it: the repository writes its tag list from its tags. */
export type NewProduct = Omit<NewProductRow, 'tags_json'>
export type ProductRowUpdate = Updateable<ProductsTable>

/** Normalised tags (trimmed, lower-case), with copies of their product's columns kept by triggers. */
export interface ProductTagsTable {
  product_id: number
  tag: string
  position: number
  price_cents: Generated<number>
  /** 1 while the product's quantity is above 0, else 0. */
  in_stock: Generated<number>
  created_at: Generated<string>
  name: Generated<string>
}

/** Rows per counted table, kept by triggers (migration 0008); the total is the sum of a table's slots. */
export interface RowCountsTable {
  /** A table's rows, or `products_in_stock`: the products whose quantity is above 0 (migration 0011). */
  table_name: 'users' | 'products' | 'products_in_stock'
  slot: number
  count: number
}

/** Products (tag '') and each tag's rows per price bucket, kept by triggers (migration 0014); summed over slots. */
export interface PriceCountsTable {
  tag: string
  bucket: number
  slot: number
  count: number
}

/** The products of each tag, kept by triggers (migration 0011); a tag's total is the sum of its slots. */
export interface TagCountsTable {
  tag: string
  slot: number
  count: number
}

/** A post; `published` is 0 for a draft. `version` as for products. */
export interface PostsTable {
  id: Generated<number>
  title: string
  content: string
  published: Generated<number>
  user_id: number
  version: Generated<number>
  created_at: Generated<string>
  updated_at: Generated<string>
}

export type PostRow = Selectable<PostsTable>
export type NewPostRow = Insertable<PostsTable>
export type PostRowUpdate = Updateable<PostsTable>

/** Refresh tokens as SHA-256 hashes. A family is one login's rotations; reusing a spent token revokes it. */
export interface RefreshTokensTable {
  id: Generated<number>
  user_id: number
  family_id: string
  token_hash: string
  expires_at: string
  created_at: Generated<string>
  used_at: string | null
  revoked_at: string | null
}

export type RefreshTokenRow = Selectable<RefreshTokensTable>
export type NewRefreshTokenRow = Insertable<RefreshTokensTable>

/** Password reset tokens, stored as SHA-256 hashes; `used_at` makes them single use. */
export interface PasswordResetsTable {
  id: Generated<number>
  user_id: number
  token_hash: string
  expires_at: string
  created_at: Generated<string>
  used_at: string | null
}

export type PasswordResetRow = Selectable<PasswordResetsTable>

/** Responses kept for `Idempotency-Key` retries; `request_hash` is a keyed SHA-256 of the body's bytes. */
export interface IdempotencyKeysTable {
  caller: string
  route: string
  idempotency_key: string
  request_hash: string
  state: 'in_progress' | 'completed'
  claim_id: string
  locked_until: string | null
  response_status: number | null
  response_headers: string | null
  response_body: string | null
  expires_at: string
  created_at: Generated<string>
}

export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>

/** An uploaded file; its bytes are the file named `id` in UPLOAD_DIR. */
export interface UploadsTable {
  id: string
  user_id: number
  /** The client's file name, made safe: metadata only, never a path. */
  filename: string
  /** Detected from the bytes, never taken from the client. */
  content_type: string
  size: number
  sha256: string
  created_at: Generated<string>
}

export type UploadRow = Selectable<UploadsTable>
export type NewUploadRow = Insertable<UploadsTable>
