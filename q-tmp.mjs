import Database from 'better-sqlite3'
const db = new Database('/tmp/prof/data/agora.db', { readonly: true })
const qs = {
  cur: `select "products".* from "products" where "products"."id" in (select rowid from "products_fts" where "products_fts" match ?) order by "products"."price_cents" desc, "products"."id" limit 20 offset 0`,
  idx: `select "products".* from "products" indexed by products_price_idx where "products"."id" in (select rowid from "products_fts" where "products_fts" match ?) order by "products"."price_cents" desc, "products"."id" limit 20 offset 0`,
  count: `select count(*) from products_fts where products_fts match ?`,
}
for (const [k, q] of Object.entries(qs)) {
  console.log(k, db.prepare('explain query plan ' + q).all('"walnut"').map(r => r.detail).join(' | '))
  const st = db.prepare(q)
  for (const term of ['"walnut"', '"oak"', '"zebra"']) {
    const t = performance.now(); let n; for (let i = 0; i < 20; i++) n = st.all(term).length
    console.log('  ', term, ((performance.now() - t) / 20).toFixed(2), 'ms', n)
  }
}
