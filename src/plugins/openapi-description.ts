/** The document's introduction, shown at the top of /docs and /redoc (CommonMark). */
export const API_DESCRIPTION = `Users, products, posts and uploads: the API for managing users and products that a
FastAPI/Flask API-development guide builds, made complete.

Every \`/api/v1\` route is also served at the same path without the prefix (\`/users\`,
\`/login\`, \`/products/{product_id}\`, …), where the guide's clients call it; each is documented
once, under \`/api/v1\`. \`/api/v2\` has cursor pages of the lists. A path with a trailing slash
is answered as FastAPI answers it: a 307 to the same path without the slash, query kept.

## Clients written for the guide's FastAPI service

- **Unchanged** on the routes that the guide and this API both leave open to anyone:
  sign-up (\`POST /users\`), \`POST /login\` (JSON \`{email, password}\` or the OAuth2
  password form), \`GET /products\` and \`GET /products/{product_id}\`, as on the other
  public routes (\`GET /\`, token refresh and logout, the password reset, \`GET /posts\`,
  downloads).
- **With a bearer token** on the routes that this API protects: listing and reading users
  (\`GET /users\`, \`GET /users/{user_id}\`), \`GET /search\`, creating products and uploading
  files, as well as everything that acts as the signed-in user (\`/users/me\`, changes and
  deletions). Log in with \`POST /login\` and send \`Authorization: Bearer <access_token>\`;
  the **Authorize** button here does the same.
- **Shapes that differ on purpose**: \`GET /products\` answers a page,
  \`{"items": [...], "total", "page", "page_size", "pages"}\`, rather than a bare list; a
  user's \`email\` and \`age\` are shown only to that user and to admins.

Errors are FastAPI's: \`{"detail": "..."}\`, and for a 422
\`{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}\`. Under \`/api/v2\` every error
is an RFC 9457 problem detail (\`application/problem+json\`).`

/** The operations' groups, in the order the docs pages list them. */
export const API_TAGS = [
  { name: 'auth', description: 'Log in (JSON or the OAuth2 password form), refresh and end a login, reset a forgotten password' },
  { name: 'users', description: 'Sign up; the signed-in user; other users, their pages and search (signed in); admins change them' },
  { name: 'products', description: 'Anyone lists and reads products; a signed-in user creates them; their owner (or an admin) changes them' },
  { name: 'posts', description: 'Published posts for anyone, drafts for their author and admins' },
  { name: 'uploads', description: 'Files sent as multipart forms (signed in), downloaded by anyone who has the id' },
  { name: 'system', description: 'Welcome, liveness and readiness probes, Prometheus metrics' }
]
