import type { FastifyInstance } from 'fastify'

/** U+FFFD (a decoder's replacement for bad bytes), NUL, or a UTF-16 surrogate without its pair. */
// eslint-disable-next-line no-control-regex -- NUL is what it looks for
const MANGLED = /[\uFFFD\u0000]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** RFC 5321's lengths, checked here on their own rather than with the code under test. */
function deliverable (email: string): boolean {
  const at = email.lastIndexOf('@')
  return email.length <= 254 && at >= 1 && at <= 64 && email.slice(at + 1).split('.').every((label) => label.length >= 1 && label.length <= 63)
}

const int = (value: unknown, min: number, max: number): boolean =>
  Number.isInteger(Number(value)) && Number(value) >= min && Number(value) <= max
const text = (value: unknown, min: number, max: number, trimmed = false): boolean =>
  typeof value === 'string' && value.length >= min && value.length <= max && (!trimmed || value.trim() === value)

/** Per table: what every stored row must satisfy, as the request schemas bound it. */
const BOUNDS: Record<string, (row: Record<string, unknown>) => string[]> = {
  users: (row) => [
    ...(text(row.name, 1, 100, true) ? [] : ['name']),
    ...(typeof row.email === 'string' && deliverable(row.email) && row.email === row.email.toLowerCase() ? [] : ['email']),
    ...(row.age === null || int(row.age, 0, 150) ? [] : ['age'])
  ],
  products: (row) => [
    ...(text(row.name, 1, 100, true) ? [] : ['name']),
    ...(row.description === null || text(row.description, 0, 500) ? [] : ['description']),
    ...(int(row.price_cents, 1, 100_000_000_000) ? [] : ['price_cents']),
    ...(int(row.quantity, 0, 2_147_483_647) ? [] : ['quantity'])
  ],
  product_tags: (row) => text(row.tag, 1, 30, true) && row.tag === String(row.tag).toLowerCase() ? [] : ['tag'],
  posts: (row) => [...(text(row.title, 1, 200, true) ? [] : ['title']), ...(text(row.content, 1, 50_000) ? [] : ['content'])],
  uploads: () => [],
  jobs: () => []
}

/** Every stored value that is mangled or out of its schema's bounds, as `table.id column`. */
export async function storedRowProblems (app: FastifyInstance): Promise<string[]> {
  const problems: string[] = []
  for (const [table, bounds] of Object.entries(BOUNDS)) {
    const rows = await app.db.selectFrom(table as 'users').selectAll().execute() as unknown as Array<Record<string, unknown>>
    for (const row of rows) {
      const id = String(row.id ?? row.product_id ?? '?')
      for (const [column, value] of Object.entries(row)) {
        if (typeof value === 'string' && MANGLED.test(value)) problems.push(`${table}.${id} ${column}: ${JSON.stringify(value.slice(0, 80))}`)
        if (typeof value === 'number' && !Number.isFinite(value)) problems.push(`${table}.${id} ${column}: ${value}`)
      }
      for (const column of bounds(row)) problems.push(`${table}.${id} ${column} out of bounds: ${JSON.stringify(String(row[column]).slice(0, 80))}`)
    }
  }
  return problems
}
