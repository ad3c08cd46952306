import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createDb } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { preparedQuery } from '../../src/db/prepared-query.js';
import { testConfig, testDialects } from '../helpers/build-app.js';
for (const dialect of testDialects()) {
    describe(`preparedQuery (${dialect})`, () => {
        it('builds its query once and runs it with each call\'s arguments', async (t) => {
            // One connection, so that PostgreSQL's list of prepared statements is the one we ran on.
            const config = testConfig(t, dialect, { DATABASE_POOL_MAX: '1' });
            const db = createDb(config);
            t.after(async () => await db.destroy());
            await migrateToLatest(db, config);
            for (const name of ['Ann', 'Bob', 'Cyd']) {
                await db.insertInto('users').values({ name, email: `${name.toLowerCase()}@example.com`, hashed_password: 'x', role: 'user' }).execute();
            }
            let builds = 0;
            const namesAfter = preparedQuery((kysely, afterId, limit) => {
                builds++;
                return kysely.selectFrom('users').select('name').where('id', '>', afterId).where('role', '=', 'user').orderBy('id').limit(limit);
            });
            t.assert.deepStrictEqual(await namesAfter.execute(db, 0, 2), [{ name: 'Ann' }, { name: 'Bob' }]);
            t.assert.deepStrictEqual(await namesAfter.execute(db, 1, 5), [{ name: 'Bob' }, { name: 'Cyd' }]);
            t.assert.deepStrictEqual(await namesAfter.executeTakeFirst(db, 2, 1), { name: 'Cyd' });
            t.assert.strictEqual(await namesAfter.executeTakeFirst(db, 3, 1), undefined);
            t.assert.strictEqual(builds, 1);
            if (dialect === 'postgres') {
                const { rows } = await sql `select count(*)::int as count from pg_prepared_statements where statement like '%"id" > $1%'`.execute(db);
                t.assert.strictEqual(rows[0]?.count, 1);
            }
        });
    });
}
//# sourceMappingURL=prepared-query.test.js.map