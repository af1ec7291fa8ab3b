import { Cleanup, createTestDatabase } from '@hotline/testkit';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { actionIdempotencyKeys, apiKeys, expireIdempotencyKeys, idempotencyKeys, tickets } from '../src/index';

const HOUR = 3_600_000;

t.test('expired idempotency keys are deleted, batch after batch; the others stay', async (t) => {
  const database = await createTestDatabase(new Cleanup(t));
  const db = database.db;
  const [key] = await db.select().from(apiKeys).limit(1);
  if (!key) throw new Error('no development API key seeded');
  const now = Date.now();
  const ticketId = uuidv7();
  await db.insert(tickets).values({
    id: ticketId,
    number: '20261201-000001',
    channel: 'phone',
    type: 'complaint',
    urgency: 'normal',
    title: '路灯不亮',
    content: '小区门口的路灯不亮已经一周了',
    status: 'received',
    version: 1,
    createdBy: 'agent-1',
    createdAt: new Date(now),
    updatedAt: new Date(now),
  });
  // Five keys a day old or more, two an hour old, in each table.
  const ages = [24, 30, 48, 100, 500, 1, 1];
  await db.insert(idempotencyKeys).values(ages.map((age, i) => ({ apiKeyId: key.id, key: `call-${i}`, requestHash: 'h', ticketId, createdAt: new Date(now - age * HOUR) })));
  await db
    .insert(actionIdempotencyKeys)
    .values(ages.map((age, i) => ({ apiKeyId: key.id, key: `action-${i}`, requestHash: 'h', route: 'accept', ticketId, status: 200, response: { ok: true }, createdAt: new Date(now - age * HOUR) })));

  const before = new Date(now - 12 * HOUR);
  t.equal(await expireIdempotencyKeys(db, idempotencyKeys, before, { batchSize: 2 }), 5, 'five of the tickets’ keys, two at a time');
  t.same((await db.select({ key: idempotencyKeys.key }).from(idempotencyKeys)).map((r) => r.key).sort(), ['call-5', 'call-6'], 'the recent ones stay');
  t.equal((await db.select().from(actionIdempotencyKeys)).length, 7, 'the other table is left alone');

  t.equal(await expireIdempotencyKeys(db, actionIdempotencyKeys, before), 5);
  t.same((await db.select({ key: actionIdempotencyKeys.key }).from(actionIdempotencyKeys)).map((r) => r.key).sort(), ['action-5', 'action-6']);
  t.equal(await expireIdempotencyKeys(db, actionIdempotencyKeys, before), 0, 'again: nothing left to delete');
  t.equal((await db.select().from(tickets)).length, 1, 'the ticket is not touched');

  // A service closing stops between batches.
  await db.update(idempotencyKeys).set({ createdAt: new Date(now - 48 * HOUR) });
  const closing = new AbortController();
  closing.abort();
  t.equal(await expireIdempotencyKeys(db, idempotencyKeys, before, { signal: closing.signal }), 0, 'aborted: nothing deleted');
  t.equal((await db.select().from(idempotencyKeys)).length, 2);
});
