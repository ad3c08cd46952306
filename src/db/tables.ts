import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

/** The database as Kysely sees it: one entry per table. */
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
  /** The same counts of the products and tag rows in stock (migration 0015). */
  stock_price_counts: PriceCountsTable
  posts: PostsTable
  idempotency_keys: IdempotencyKeysTable
  uploads: UploadsTable
}

/**
 * Timestamps are ISO 8601 strings on both dialects (see database.ts for PostgreSQL);
 * flags are 0/1 integers because better-sqlite3 cannot bind booleans.
 */
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

/**
 * The durable job queue. `payload` is JSON text on both dialects. While a job runs,
 * `locked_by` names the worker holding it and `locked_until` ends its lease.
 */
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

/**
 * A product. The price is integer cents (pg's int8 parser makes it a number); `version`
 * starts at 1 and grows by one with every update, and makes the ETag.
 */
export interface ProductsTable {
  id: Generated<number>
  name: string
  description: string | null
  price_cents: number
  quantity: number
  owner_id: number
  /** The tags in the order they were given, as a JSON array; triggers write the tag rows from it (migration 0019). */
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

/**
 * A product's tags, normalised (trimmed, lower-case), in the order they were sent: rows
 * the database writes from the product's `tags_json`, with the columns below (migration 0019).
 */
export interface ProductTagsTable {
  product_id: number
  tag: string
  position: number
  /** The product's price, followed when it changes (migration 0009). */
  price_cents: Generated<number>
  /** 1 while the product's quantity is above 0, else 0, followed when it changes (migration 0015). */
  in_stock: Generated<number>
  /** The product's creation time (migration 0018); it never changes. */
  created_at: Generated<string>
  /** The product's name, followed when it changes (migration 0018). */
  name: Generated<string>
}

/** Rows per counted table, kept by triggers (migration 0008); the total is the sum of a table's slots. */
export interface RowCountsTable {
  /** A table's rows, or `products_in_stock`: the products whose quantity is above 0 (migration 0011). */
  table_name: 'users' | 'products' | 'products_in_stock'
  slot: number
  count: number
}

/**
 * Products (tag '') and tag rows of each tag per price bucket (`priceBucket`), kept by
 * triggers (migration 0014); a bucket's total is the sum of its slots.
 */
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

/**
 * Refresh tokens, stored as SHA-256 hashes. `family_id` groups the tokens of one login
 * (each rotation adds one); `used_at` marks a spent token, `revoked_at` a dead family.
 */
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

/**
 * Responses kept for `Idempotency-Key` retries (plugins/idempotency.ts). `request_hash`
 * is a keyed SHA-256 of the request body's bytes; `response_headers` is JSON. While a
 * request runs, its row is `in_progress` until `locked_until`.
 */
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
