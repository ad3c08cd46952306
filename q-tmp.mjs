import Database from 'better-sqlite3'
const db = new Database('/tmp/prof/data/agora.db')
db.pragma('journal_mode = WAL')
const tests = {
  one: ['select 1', () => []],
  pkfixed: ['select * from "products" where "id" = ?', () => [5]],
  pkrand: ['select * from "products" where "id" = ?', () => [1 + Math.floor(Math.random() * 100000)]],
  pkid: ['select id from "products" where "id" = ?', () => [1 + Math.floor(Math.random() * 100000)]],
  user: ['select * from "users" where "id" = ?', () => [1 + Math.floor(Math.random() * 2000)]],
}
for (const [name, [q, args]] of Object.entries(tests)) {
  const st = db.prepare(q)
  for (const m of ['all', 'get']) {
    let t = performance.now()
    for (let i = 0; i < 50000; i++) st[m](...args())
    console.log(name, m, ((performance.now() - t) / 50000 * 1000).toFixed(1), 'us')
  }
}
db.exec('begin')
const st = db.prepare('select * from "products" where "id" = ?')
let t = performance.now()
for (let i = 0; i < 50000; i++) st.get(1 + Math.floor(Math.random() * 100000))
console.log('in txn', ((performance.now() - t) / 50000 * 1000).toFixed(1), 'us')
db.exec('commit')
