import type { TSchema } from '@sinclair/typebox'
import { ErrorSchema, ProblemSchema, ValidationErrorSchema, ValidationIssueSchema } from './errors/responses.js'
import {
  ChangePasswordBodySchema, LoginBodySchema, PasswordResetBodySchema,
  PasswordResetConfirmBodySchema, RefreshBodySchema, TokenResponseSchema
} from './modules/auth/auth.schemas.js'
import { CreatePostBodySchema, PostPageSchema, PostSchema, UpdatePostBodySchema } from './modules/posts/posts.schemas.js'
import {
  CreateProductBodySchema, ProductPageSchema, ProductSchema, ProductSortSchema, UpdateProductBodySchema
} from './modules/products/products.schemas.js'
import { HealthSchema, ReadinessSchema } from './modules/system/system.schemas.js'
import { UploadFormSchema, UploadMultipleFormSchema, UploadSchema } from './modules/uploads/uploads.schemas.js'
import {
  AdminUpdateUserBodySchema, CreateUserBodySchema, RoleSchema, UpdateMeBodySchema,
  UserPageSchema, UserSchema, UserSearchSortSchema
} from './modules/users/users.schemas.js'
import { PostCursorPageSchema, ProductCursorPageSchema, UserCursorPageSchema } from './modules/v2/v2.schemas.js'
import { MessageSchema } from './schemas/common.js'

/** The API's named shapes: each is an OpenAPI component schema, and so a type of its own in a generated client. */
export const apiComponents: Record<string, TSchema> = {
  User: UserSchema,
  Role: RoleSchema,
  UserPage: UserPageSchema,
  UserCursorPage: UserCursorPageSchema,
  CreateUserBody: CreateUserBodySchema,
  UpdateMeBody: UpdateMeBodySchema,
  AdminUpdateUserBody: AdminUpdateUserBodySchema,
  UserSearchSort: UserSearchSortSchema,

  LoginBody: LoginBodySchema,
  Token: TokenResponseSchema,
  RefreshTokenBody: RefreshBodySchema,
  ChangePasswordBody: ChangePasswordBodySchema,
  PasswordResetBody: PasswordResetBodySchema,
  PasswordResetConfirmBody: PasswordResetConfirmBodySchema,

  Product: ProductSchema,
  ProductPage: ProductPageSchema,
  ProductCursorPage: ProductCursorPageSchema,
  CreateProductBody: CreateProductBodySchema,
  UpdateProductBody: UpdateProductBodySchema,
  ProductSort: ProductSortSchema,

  Post: PostSchema,
  PostPage: PostPageSchema,
  PostCursorPage: PostCursorPageSchema,
  CreatePostBody: CreatePostBodySchema,
  UpdatePostBody: UpdatePostBodySchema,

  Upload: UploadSchema,
  UploadForm: UploadFormSchema,
  UploadMultipleForm: UploadMultipleFormSchema,

  Message: MessageSchema,
  Health: HealthSchema,
  Readiness: ReadinessSchema,
  // FastAPI's names, so that code written against a FastAPI client's types reads the same.
  HTTPError: ErrorSchema,
  HTTPValidationError: ValidationErrorSchema,
  ValidationError: ValidationIssueSchema,
  Problem: ProblemSchema
}
