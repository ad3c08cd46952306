import type { NewPostRow, NewProduct, NewUserRow } from '../../db/tables.js'

/** mulberry32: a tiny seeded PRNG, so that the same seed fills the same database. */
export function createRandom (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) >>> 0
    let x = state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

export type Random = () => number

export function pick<T> (random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

const FIRST = ['Ada', 'Alan', 'Amara', 'Bruno', 'Chen', 'Chloé', 'Dmitri', 'Elena', 'Émile', 'Fatima', 'Grace', 'Hiro', 'Ines', 'Jürgen', 'Kofi', 'Lena', 'Mateo', 'Nia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Vera', 'Wei', 'Yusuf', 'Zoë']
const LAST = ['Adams', 'Baker', 'Castro', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Hughes', 'Ito', 'Johnson', 'Kowalski', 'Lopez', 'Müller', 'Nakamura', 'Okafor', 'Öztürk', 'Patel', 'Rossi', 'Silva', 'Tanaka', 'Ueda', 'Varga', 'Walsh', 'Yilmaz', 'Zhang']

// Each kind of product brings its own tags, so `tag=` filters return related products.
const KINDS: Array<{ nouns: string[], tags: string[] }> = [
  { nouns: ['Chair', 'Table', 'Shelf', 'Stool', 'Desk', 'Bench'], tags: ['furniture', 'home', 'wood'] },
  { nouns: ['Lamp', 'Candle Holder', 'Vase', 'Mirror', 'Rug', 'Clock'], tags: ['decor', 'home', 'gift'] },
  { nouns: ['Headphones', 'Speaker', 'Charger', 'Keyboard', 'Mouse', 'Webcam'], tags: ['electronics', 'audio', 'office'] },
  { nouns: ['Shirt', 'Jacket', 'Scarf', 'Sweater', 'Hat', 'Socks'], tags: ['clothing', 'fashion', 'winter'] },
  { nouns: ['Mug', 'Kettle', 'Pan', 'Knife', 'Teapot', 'Bowl'], tags: ['kitchen', 'cooking', 'gift'] },
  { nouns: ['Backpack', 'Wallet', 'Tote Bag', 'Notebook', 'Pen', 'Water Bottle'], tags: ['accessories', 'travel', 'office'] },
  { nouns: ['Tent', 'Lantern', 'Hammock', 'Compass', 'Sleeping Bag', 'Stove'], tags: ['outdoor', 'camping', 'travel'] }
]
const ADJECTIVES = ['Classic', 'Compact', 'Rustic', 'Modern', 'Vintage', 'Ergonomic', 'Handmade', 'Lightweight', 'Sturdy', 'Elegant', 'Wireless', 'Foldable']
const MATERIALS = ['Oak', 'Walnut', 'Bamboo', 'Steel', 'Brass', 'Ceramic', 'Linen', 'Wool', 'Leather', 'Cotton', 'Glass', 'Aluminium']
const USES = ['everyday use', 'small flats', 'long trips', 'the office', 'gifting', 'cold evenings', 'weekend cooking', 'the garden']
const FEATURES = ['a matte finish', 'reinforced seams', 'a two-year warranty', 'recycled packaging', 'soft rounded edges', 'a spare part kit']
const TOPICS = ['Notes on', 'Thoughts about', 'A guide to', 'Why I like', 'Lessons from', 'Getting started with', 'Ten tips for']
const SUBJECTS = ['home brewing', 'remote work', 'city cycling', 'sourdough', 'trail running', 'indoor plants', 'film photography', 'small gardens', 'budget travel']
const SENTENCES = [
  'It took a few attempts to get right.', 'The first week was the hardest.', 'Most of the advice online is too complicated.',
  'A good routine matters more than good gear.', 'Here is what worked for me.', 'Start small and keep notes.',
  'Nobody warned me about the cleaning.', 'The results surprised everyone.', 'I would do it again tomorrow.'
]

// Two years back from a fixed date, so that a seed is reproducible.
const EPOCH = Date.parse('2026-11-01T00:00:00.000Z')
const SPAN_MS = 2 * 365 * 24 * 3600 * 1000

/** Row `n`'s creation time: later rows are newer, as with real ids, so the created_at index loads at its end. */
export function creationTime (random: Random, n: number, total: number): string {
  const jitter = random() * 3600 * 1000
  return new Date(EPOCH - SPAN_MS + Math.floor((n / Math.max(total, 1)) * SPAN_MS + jitter)).toISOString()
}

/** The `n`-th seeded user; `n` keeps e-mails unique across runs. */
export function fakeUser (random: Random, n: number, hashedPassword: string, createdAt: string): NewUserRow {
  const first = pick(random, FIRST)
  const last = pick(random, LAST)
  const email = `${first}.${last}.${n}@example.com`.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
  const age = random() < 0.2 ? null : 18 + Math.floor(random() * 60)
  return { name: `${first} ${last}`, email, hashed_password: hashedPassword, age, role: 'user', created_at: createdAt, updated_at: createdAt }
}

/** A product and its tags (1–3, normalised like the API's). */
export function fakeProduct (random: Random, ownerId: number, createdAt: string): { row: NewProduct, tags: string[] } {
  const kind = pick(random, KINDS)
  const noun = pick(random, kind.nouns)
  const material = pick(random, MATERIALS)
  const name = `${pick(random, ADJECTIVES)} ${material} ${noun}`
  const description = `${material} ${noun.toLowerCase()} for ${pick(random, USES)}, with ${pick(random, FEATURES)}.`
  // Mostly 5–200, a few up to 2 000, and prices that end in .99 as shops like them.
  const price = Math.exp(Math.log(5) + random() * Math.log(400))
  const priceCents = Math.max(99, Math.round(price) * 100 - 1)
  const quantity = random() < 0.1 ? 0 : Math.floor(random() * 500)
  const tags = kind.tags.slice(0, 1 + Math.floor(random() * kind.tags.length))
  const dates = { created_at: createdAt, updated_at: createdAt }
  return { row: { name, description, price_cents: priceCents, quantity, owner_id: ownerId, ...dates }, tags }
}

export function fakePost (random: Random, userId: number, createdAt: string): NewPostRow {
  const title = `${pick(random, TOPICS)} ${pick(random, SUBJECTS)}`
  const content = Array.from({ length: 2 + Math.floor(random() * 4) }, () => pick(random, SENTENCES)).join(' ')
  const published = random() < 0.9 ? 1 : 0
  return { title, content, published, user_id: userId, created_at: createdAt, updated_at: createdAt }
}
