import { describe, it } from 'node:test';
import { deleteProduct, countProducts, insertProduct, updateProduct } from '../../src/modules/products/products.repository.js';
import { countUsers, deleteUser, insertUser } from '../../src/modules/users/users.repository.js';
import { testDialects } from '../helpers/build-app.js';
import { testDb } from '../jobs/helpers.js';
const user = (n) => ({ name: `User ${n}`, email: `user${n}@example.com`, hashed_password: 'x', role: 'user' });
const product = (ownerId, n) => ({ name: `Product ${n}`, price_cents: 100 * n, quantity: 1, owner_id: ownerId });
for (const dialect of testDialects()) {
    describe(`row counts (${dialect})`, () => {
        it('stay exact under concurrent inserts and deletes, cascades included', async (t) => {
            const { db } = await testDb(t, dialect);
            const owners = await Promise.all([1, 2, 3, 4].map(async (n) => await insertUser(db, user(n))));
            // Concurrent transactions, each inserting several products, some of them rolled back.
            const insertThree = async (i) => await db.transaction().execute(async (trx) => {
                for (let j = 0; j < 3; j++)
                    await insertProduct(trx, product(owners[i % 4].id, i * 3 + j + 1), ['tag']);
                if (i % 5 === 0)
                    throw new Error('rolled back');
            });
            await Promise.allSettled(Array.from({ length: 40 }, async (_, i) => await insertThree(i)));
            const ids = (await db.selectFrom('products').select('id').execute()).map((row) => row.id);
            t.assert.strictEqual(ids.length, 32 * 3);
            await Promise.all(ids.slice(0, 20).map(async (id) => await deleteProduct(db, id)));
            // Deleting a user deletes their products by cascade; the count follows.
            await deleteUser(db, owners[0].id);
            const { products } = await db.selectFrom('products').select((eb) => eb.fn.countAll().as('products')).executeTakeFirstOrThrow();
            t.assert.strictEqual(await countProducts(db, {}), Number(products));
            t.assert.ok(Number(products) < 76);
            t.assert.strictEqual(await countUsers(db), 3);
        });
        it('give tag rows their product\'s price, and follow a change of it', async (t) => {
            const { db } = await testDb(t, dialect);
            const owner = await insertUser(db, user(1));
            const created = await insertProduct(db, product(owner.id, 5), ['a', 'b']);
            const prices = async () => (await db.selectFrom('product_tags').select('price_cents').where('product_id', '=', created.id).execute())
                .map((row) => Number(row.price_cents));
            t.assert.deepStrictEqual(await prices(), [500, 500]);
            // A tag row written without the price (or with a wrong one) gets it all the same.
            await db.insertInto('product_tags').values({ product_id: created.id, tag: 'x', position: 2 }).execute();
            await db.insertInto('product_tags').values({ product_id: created.id, tag: 'y', position: 3, price_cents: 7 }).execute();
            t.assert.deepStrictEqual(await prices(), [500, 500, 500, 500]);
            await db.deleteFrom('product_tags').where('product_id', '=', created.id).where('tag', 'in', ['x', 'y']).execute();
            await db.transaction().execute(async (trx) => await updateProduct(trx, created.id, { price_cents: 1999 }, undefined));
            t.assert.deepStrictEqual(await prices(), [1999, 1999]);
            await db.transaction().execute(async (trx) => await updateProduct(trx, created.id, { price_cents: 2500 }, ['c']));
            t.assert.deepStrictEqual(await prices(), [2500]);
            t.assert.strictEqual(await countProducts(db, { tag: 'c', minCents: 2500, maxCents: 2500 }), 1);
        });
        it('keep the products of each tag and in stock exact under concurrent changes, cascades included', async (t) => {
            const { db } = await testDb(t, dialect);
            const owners = await Promise.all([1, 2, 3].map(async (n) => await insertUser(db, user(n))));
            const tags = ['red', 'green', 'blue'];
            // Concurrent transactions, some rolled back: products with 0–2 tags, half of them out of stock.
            const insertOne = async (i) => await db.transaction().execute(async (trx) => {
                const row = { ...product(owners[i % 3].id, i + 1), quantity: i % 2 };
                const created = await insertProduct(trx, row, tags.slice(i % 3, i % 3 + (i % 3)));
                if (i % 4 === 0)
                    await updateProduct(trx, created.id, { quantity: i % 2 === 0 ? 5 : 0 }, ['blue', 'red']);
                if (i % 7 === 0)
                    throw new Error('rolled back');
            });
            await Promise.allSettled(Array.from({ length: 30 }, async (_, i) => await insertOne(i)));
            const ids = (await db.selectFrom('products').select('id').orderBy('id').execute()).map((row) => row.id);
            await Promise.all(ids.slice(0, 4).map(async (id) => await deleteProduct(db, id)));
            await Promise.all(ids.slice(4, 10).map(async (id, i) => await db.transaction().execute(async (trx) => await updateProduct(trx, id, { quantity: i % 2 === 0 ? 0 : 7 }, i % 3 === 0 ? ['green'] : undefined))));
            await deleteUser(db, owners[1].id);
            for (const tag of [...tags, 'absent']) {
                const { count } = await db.selectFrom('product_tags').select((eb) => eb.fn.countAll().as('count')).where('tag', '=', tag).executeTakeFirstOrThrow();
                t.assert.strictEqual(await countProducts(db, { tag }), Number(count), tag);
            }
            const stock = async (inStock) => Number((await db.selectFrom('products').select((eb) => eb.fn.countAll().as('count'))
                .where('quantity', inStock ? '>' : '=', 0).executeTakeFirstOrThrow()).count);
            t.assert.strictEqual(await countProducts(db, { inStock: true }), await stock(true));
            t.assert.strictEqual(await countProducts(db, { inStock: false }), await stock(false));
            t.assert.ok(await stock(true) > 0 && await stock(false) > 0);
        });
    });
}
//# sourceMappingURL=row-counts.test.js.map