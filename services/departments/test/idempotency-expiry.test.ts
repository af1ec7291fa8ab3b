import { actionIdempotencyKeys, apiKeys } from '@hotline/db';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { buildTestDepartments } from './helper';

t.test('at start the departments service deletes action keys past their retention (7 days by default) and keeps the rest', async (t) => {
  const { app, database } = await buildTestDepartments(t);
  const [key] = await database.db.select().from(apiKeys).limit(1);
  if (!key) throw new Error('no development API key seeded');
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
  const row = (name: string, createdAt: Date) => ({ apiKeyId: key.id, key: name, requestHash: 'h', route: '/v1/tickets/:id/accept', ticketId: uuidv7(), status: 200, response: {}, createdAt });
  await database.db.insert(actionIdempotencyKeys).values([row('accept-last-month', hoursAgo(24 * 30)), row('accept-8-days-ago', hoursAgo(24 * 8)), row('accept-6-days-ago', hoursAgo(24 * 6)), row('accept-today', hoursAgo(1))]);

  await app.ready();
  const keys = async () => (await database.db.select({ key: actionIdempotencyKeys.key }).from(actionIdempotencyKeys)).map((r) => r.key).sort();
  const until = Date.now() + 5_000;
  while ((await keys()).length > 2) {
    if (Date.now() > until) throw new Error(`expired keys were not deleted within 5 s of the start: ${(await keys()).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  t.same(await keys(), ['accept-6-days-ago', 'accept-today']);
});
