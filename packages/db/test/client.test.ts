import { Cleanup, createTestDatabase } from '@hotline/testkit';
import { eq, sql } from 'drizzle-orm';
import t from 'tap';
import { createDatabase, departments } from '../src/index';

// Guards the drizzle-orm patch (patches/drizzle-orm@*.patch): without it every query with
// parameters was parsed, described and planned anew, in two round trips.
t.test('queries are prepared once per connection and reused, in and out of transactions', async (t) => {
  const cleanup = new Cleanup(t);
  const { url } = await createTestDatabase(cleanup);
  const one = createDatabase(url, { max: 1 });
  cleanup.teardown(() => one.close());
  const byCode = (db: typeof one.db) => db.select({ name: departments.name }).from(departments).where(eq(departments.code, 'housing'));
  const prepared = async () =>
    (await one.db.execute<{ statement: string }>(sql`select statement from pg_prepared_statements where statement like '%from "departments" where%'`)).map(
      (r) => r.statement,
    );

  t.match(await byCode(one.db), [{ name: /住/ }]);
  t.equal((await prepared()).length, 1, 'the query is a prepared statement on the connection');
  await byCode(one.db);
  await one.db.transaction(async (tx) => {
    await byCode(tx);
  });
  t.equal((await prepared()).length, 1, 'and the same one is used again, also inside a transaction');
});
