// The substring index of products on SQLite (migration 0022). The trigram index counts the matches
// of a word by reading the lists of its trigrams with their positions and lining them up, a phrase
// at a time: 2 ms for the 8 252 products that hold `walnut` among 100 000. This index holds, as its
// tokens, every substring of 3 to 16 characters of each word of a row, and no positions: a text of
// letters and digits alone is one token there, whose list gives the matching rows as they are,
// four to five times sooner, and its count sooner still (dialect-sql.ts).
//
// Exact for such a text: an occurrence of it lies inside one word (a word ends only at a character
// that is not a letter or digit), so it is one of that word's substrings. FTS5's unicode61 tokenizer
// folds case in the index and in the query as the trigram tokenizer does; a character it takes for a
// separator inside a word (a dash beyond ASCII, say) only splits a substring into shorter tokens, each
// still part of the row's text, and the text searched holds none.

/** Substrings shorter than the trigram index can search for are not indexed; longer texts go to it. */
const SUBSTRING_LENGTH = { min: 3, max: 16 }

const SEARCHABLE_BY_SUBSTRING = new RegExp(`^[A-Za-z0-9]{${SUBSTRING_LENGTH.min},${SUBSTRING_LENGTH.max}}$`)

// Words end at ASCII characters other than letters and digits; other characters are left to the tokenizer.
const WORD_BREAKS = /[\0-/:-@[-`{-\x7f]+/

/** Whether the substring index answers a search for `text`. */
export function searchesBySubstring (text: string): boolean {
  return SEARCHABLE_BY_SUBSTRING.test(text)
}

/**
 * The tokens of the substring index for a row's searched texts: each substring, once, separated by
 * spaces. A word of n characters gives about n × 14 of them, so a description of 500 letters without
 * a break gives 7 000 (70 KB), a typical one a hundred.
 */
export function substringsOf (...texts: ReadonlyArray<string | null>): string {
  const substrings = new Set<string>()
  for (const text of texts) {
    if (text === null) continue
    for (const word of text.split(WORD_BREAKS)) {
      if (word.length < SUBSTRING_LENGTH.min) continue
      const lower = word.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())
      // By code point where the word has pairs of surrogates, so that no substring ends inside one.
      const characters = /[\uD800-\uDFFF]/.test(lower) ? [...lower] : lower
      for (let start = 0; start + SUBSTRING_LENGTH.min <= characters.length; start++) {
        const end = Math.min(characters.length, start + SUBSTRING_LENGTH.max)
        for (let stop = start + SUBSTRING_LENGTH.min; stop <= end; stop++) {
          substrings.add(typeof characters === 'string' ? characters.slice(start, stop) : characters.slice(start, stop).join(''))
        }
      }
    }
  }
  return [...substrings].join(' ')
}
