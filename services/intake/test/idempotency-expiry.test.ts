import { idempotencyKeys } from '@hotline/db';
import { testLogger } from '@hotline/testkit';
import { eq } from 'drizzle-orm';
import t from 'tap';
import { buildIntakeApp } from '../src/app';
import { loadIntakeConfig } from '../src/config';
import { agent, buildTestIntake, sampleTicket } from './helper';

t.test('a restarted intake deletes keys past their retention: a repeat of one then is a new appeal; a recent key still replays', async (t) => {
  const { app, database, prefix } = await buildTestIntake(t, { IDEMPOTENCY_KEY_RETENTION_HOURS: '24' });
  const post = (service: typeof app, key: string) =>
    service.inject({ method: 'POST', url: '/v1/tickets', headers: { ...agent, 'idempotency-key': key }, payload: sampleTicket });
  const old = (await post(app, 'call-last-week')).json();
  const recent = (await post(app, 'call-this-morning')).json();
  await database.db.update(idempotencyKeys).set({ createdAt: new Date(Date.now() - 25 * 3_600_000) }).where(eq(idempotencyKeys.key, 'call-last-week'));
  await app.close();

  const restarted = await buildIntakeApp(
    loadIntakeConfig({ DATABASE_URL: database.url, NATS_PREFIX: prefix, LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '4', IDEMPOTENCY_KEY_RETENTION_HOURS: '24' }),
    testLogger,
  );
  t.teardown(() => restarted.close());
  await restarted.ready();
  const until = Date.now() + 5_000;
  while ((await database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'call-last-week'))).length > 0) {
    if (Date.now() > until) throw new Error('the expired key was not deleted within 5 s of the start');
    await new Promise((r) => setTimeout(r, 50));
  }
  t.same((await database.db.select({ key: idempotencyKeys.key }).from(idempotencyKeys)).map((r) => r.key), ['call-this-morning'], 'only the expired key went');

  const replay = await post(restarted, 'call-this-morning');
  t.equal(replay.statusCode, 201);
  t.equal(replay.json().id, recent.id, 'a key within its retention still gives the same ticket');
  t.equal(replay.headers['idempotent-replayed'], 'true');
  const after = await post(restarted, 'call-last-week');
  t.equal(after.statusCode, 201);
  t.not(after.json().id, old.id, 'an expired key is a new request');
});
