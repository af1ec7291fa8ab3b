import { Cleanup, createTestDatabase } from '@hotline/testkit';
import t from 'tap';
import { generateMarch } from './fixtures';
import { bj, buildTestStats, generateTicket, manager, step } from './helper';

// A second database stands in for a streaming replica. It holds one ticket more than the
// primary (an overdue one), so every figure shows which database it was read from.
t.test('with STATS_READ_DATABASE_URL the figures are read there and the summary is written to DATABASE_URL', async (t) => {
  const replica = await createTestDatabase(new Cleanup(t));
  const { app, database } = await buildTestStats(t, { now: () => new Date(bj('2026-03-31 15:00')), env: { STATS_READ_DATABASE_URL: replica.url } });
  await generateMarch(database.db);
  await generateMarch(replica.db);
  await generateTicket(replica.db, {
    at: bj('2026-03-20 09:00'),
    department: 'housing',
    status: 'dispatched',
    acceptDeadline: bj('2026-03-20 11:05'),
    replyDeadline: bj('2026-04-03 17:30'),
    steps: [step.dispatched('2026-03-20 09:05', 'housing', '2026-03-20 11:05', '2026-04-03 17:30')],
  });
  const get = async (path: string) => {
    const res = await app.inject({ method: 'GET', url: `/v1/stats/${path}`, headers: manager });
    t.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  t.equal((await get('overview?from=2026-03-01&to=2026-03-31&source=live')).volumes.received, 12, "the replica's tickets (the primary has 11)");
  const overdue = await get('overdue?from=2026-03-01&to=2026-03-31');
  t.ok(
    overdue.overdue.items.some((i: { department: string; deadline: string }) => i.department === 'housing' && i.deadline === 'accept'),
    "the overdue list is the replica's too",
  );

  const recount = await app.inject({ method: 'POST', url: '/v1/stats/summary', headers: { authorization: 'Bearer dev-admin' }, payload: { from: '2026-03-01', to: '2026-03-31' } });
  t.equal(recount.statusCode, 200, recount.body);
  const summaryRows = async (db: typeof database) => Number((await db.sql<{ n: number }[]>`select count(*)::int as n from stats_daily`)[0]?.n);
  t.ok((await summaryRows(database)) > 0, 'the summary rows are written on the primary');
  t.equal(await summaryRows(replica), 0, 'and never on the replica');
});
