/** An entry of a LinkedList; `remove` takes it out, whatever its place. */
export interface Link<T> {
  readonly value: T
  previous: Link<T> | undefined
  next: Link<T> | undefined
}

/**
 * For what turns over with every request, instead of a Set or Map: V8 puts a long-lived Set's new tables
 * in the old generation, and a replaced table keeps its entries until the next full collection, so each
 * request it held is promoted as garbage (README, "How it stays fast"). A removed link holds nothing.
 */
export class LinkedList<T> {
  #first: Link<T> | undefined
  #last: Link<T> | undefined
  #size = 0

  get size (): number { return this.#size }

  add (value: T): Link<T> {
    const link: Link<T> = { value, previous: this.#last, next: undefined }
    if (this.#last === undefined) this.#first = link
    else this.#last.next = link
    this.#last = link
    this.#size++
    return link
  }

  /** Takes `link` out; a link already out is left as it is. */
  remove (link: Link<T>): void {
    if (link.previous === undefined && this.#first !== link) return
    if (link.previous === undefined) this.#first = link.next
    else link.previous.next = link.next
    if (link.next === undefined) this.#last = link.previous
    else link.next.previous = link.previous
    link.previous = undefined
    link.next = undefined
    this.#size--
  }

  /** Takes out the oldest value that `matches`, and returns it. */
  take (matches: (value: T) => boolean): T | undefined {
    for (let link = this.#first; link !== undefined; link = link.next) {
      if (!matches(link.value)) continue
      this.remove(link)
      return link.value
    }
    return undefined
  }

  /** Takes every link out, and returns their values from the oldest. */
  clear (): T[] {
    const values = [...this]
    while (this.#first !== undefined) this.remove(this.#first)
    return values
  }

  * [Symbol.iterator] (): IterableIterator<T> {
    for (let link = this.#first; link !== undefined; link = link.next) yield link.value
  }
}
