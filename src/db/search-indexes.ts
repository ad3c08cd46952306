/** Tables with a search index (migration 0006), and the columns it covers. */
export interface SearchIndexes {
  products: 'name' | 'description'
  posts: 'title' | 'content'
  users: 'name' | 'email'
}

export const INDEXED_COLUMNS: { [T in keyof SearchIndexes]: Array<SearchIndexes[T]> } = {
  products: ['name', 'description'],
  posts: ['title', 'content'],
  users: ['name', 'email']
}

/** Tables with a substring index besides (migration 0022, SQLite), and the columns it covers together. */
export const SUBSTRING_INDEXED_COLUMNS: Partial<typeof INDEXED_COLUMNS> = {
  products: ['name', 'description']
}

/**
 * The last row id `index` (`products_fts`, `products_substrings`…) holds, as a subquery: ids only
 * grow, so the rows it still lacks are those past it (search-index-catch-up.ts, search-index-lag.ts).
 */
export function lastIndexedId (index: string): string {
  return `(select coalesce(max(id), 0) from ${index}_docsize)`
}
