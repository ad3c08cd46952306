import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrateDown, migrateToLatest } from '../../src/db/migrate.js';
import { findProductById, insertProduct, updateProduct } from '../../src/modules/products/products.repository.js';
import { insertUser } from '../../src/modules/users/users.repository.js';
import { testDialects } from '../helpers/build-app.js';
import { testDb } from '../jobs/helpers.js';
const owner = { name: 'Owner', email: 'owner@example.com', hashed_password: 'x', role: 'user' };
const lamp = (ownerId) => ({ name: 'Lamp', price_cents: 1999, quantity: 1, owner_id: ownerId });
for (const dialect of testDialects()) {
    describe(`product tag lists (${dialect})`, () => {
        it('follow the tag rows through inserts and updates, in the order given', async (t) => {
            const { db } = await testDb(t, dialect);
            const { id: ownerId } = await insertUser(db, owner);
            const { id } = await db.transaction().execute(async (trx) => await insertProduct(trx, lamp(ownerId), ['b', 'a']));
            const tagRows = async () => (await db.selectFrom('product_tags').select('tag').where('product_id', '=', id).orderBy('position').execute())
                .map((row) => row.tag);
            t.assert.deepStrictEqual((await findProductById(db, id))?.tags, ['b', 'a']);
            await db.transaction().execute(async (trx) => await updateProduct(trx, id, { quantity: 2 }, undefined));
            t.assert.deepStrictEqual((await findProductById(db, id))?.tags, ['b', 'a']);
            const updated = await db.transaction().execute(async (trx) => await updateProduct(trx, id, {}, ['c', 'b', 'z']));
            t.assert.deepStrictEqual(updated?.tags, ['c', 'b', 'z']);
            t.assert.deepStrictEqual((await findProductById(db, id))?.tags, ['c', 'b', 'z']);
            t.assert.deepStrictEqual(await tagRows(), ['c', 'b', 'z']);
            await db.transaction().execute(async (trx) => await updateProduct(trx, id, {}, []));
            t.assert.deepStrictEqual((await findProductById(db, id))?.tags, []);
        });
        it('are filled from the tag rows of the products that exist when the migration runs', async (t) => {
            const { db, config } = await testDb(t, dialect);
            const { id: ownerId } = await insertUser(db, owner);
            // Back to before migration 0010, whatever came after it.
            let reverted = [];
            while (!reverted.includes('2026_12_04_0010_add_product_tag_lists')) {
                reverted = await migrateDown(db, config);
                t.assert.notDeepStrictEqual(reverted, [], 'migration 0010 was never applied');
            }
            const [tagged, bare] = await db.insertInto('products').values([lamp(ownerId), lamp(ownerId)]).returning('id').execute();
            await db.insertInto('product_tags').values([
                { product_id: tagged.id, tag: 'z', position: 0 }, { product_id: tagged.id, tag: 'a', position: 1 }, { product_id: tagged.id, tag: 'm', position: 2 }
            ]).execute();
            await migrateToLatest(db, config);
            const { rows } = await sql `select id, tags_json from products order by id`.execute(db);
            t.assert.deepStrictEqual(rows.map((row) => [Number(row.id), JSON.parse(row.tags_json)]), [[tagged.id, ['z', 'a', 'm']], [bare.id, []]]);
        });
    });
}
//# sourceMappingURL=product-tag-lists.test.js.map