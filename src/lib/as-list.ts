/** A route option that takes one value or several (its hooks), as a list. */
export function asList<T> (value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}
