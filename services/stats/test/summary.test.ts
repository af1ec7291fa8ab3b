import { seedTicket, sleep } from '@hotline/testkit';
import t from 'tap';
import { countersSignature } from '../src/facts';
import { generateMarch } from './fixtures';
import { admin, bj, buildTestStats, generateTicket, manager, step as s } from './helper';

/** The summary tables give the figures the events give, and the timer keeps them fresh. */
const today = new Date('2026-03-31T15:00:00+08:00');
const { app, database } = await buildTestStats(t, { now: () => today, env: { STATS_REFRESH_INTERVAL_MS: '100' } });

const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url, headers: manager });
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  const { source: _source, ...rest } = res.json();
  return rest;
};

const queries = [
  'overview?from=2026-03-01&to=2026-03-31',
  'overview?from=2026-03-01&to=2026-03-31&department=housing',
  'overview?from=2026-03-01&to=2026-03-31&channel=web',
  'overview?from=2026-03-01&to=2026-03-31&district=A1%E5%8C%BA',
  'overview?from=2026-03-01&to=2026-03-31&category=01',
  'departments?from=2026-03-01&to=2026-03-31&channel=phone',
  'departments?from=2026-03-01&to=2026-03-31',
  'departments?from=2026-03-10&to=2026-03-31&district=A1%E5%8C%BA',
  'trend?from=2026-02-01&to=2026-03-31&granularity=week',
];

async function sameAsLive(t: { same(a: unknown, b: unknown, m: string): unknown }, label: string) {
  for (const q of queries) t.same(await get(`/v1/stats/${q}&source=summary`), await get(`/v1/stats/${q}&source=live`), `${label}: ${q}`);
}

t.test('the summary is caught up at start, and equals the live count', async (t) => {
  await generateMarch(database.db);
  // Tickets written the way the services write them, through the testkit.
  for (const status of ['closed', 'reopened', 'returned', 'callback_pending'] as const) {
    await seedTicket(database, app.names, { status, now: new Date(bj('2026-03-30 10:00')) });
  }
  // The app started before these tickets existed: its first run found nothing; a restart catches up.
  await app.statsSummary.refresh('2026-02-01', '2026-03-31');
  const live = await get('/v1/stats/overview?from=2026-03-01&to=2026-03-31&source=live');
  t.equal(live.volumes.received, 15);
  await sameAsLive(t, 'after the catch-up');
  const auto = await app.inject({ method: 'GET', url: '/v1/stats/overview?from=2026-03-01&to=2026-03-31', headers: manager });
  t.same(auto.json().source.liveDays, 0, 'the summary answers by default');
});

t.test("the timer recounts today's rows", async (t) => {
  const before = (await get('/v1/stats/overview?from=2026-03-31&to=2026-03-31&source=summary')).volumes.received;
  await generateTicket(database.db, {
    at: bj('2026-03-31 14:00'),
    department: 'housing',
    steps: [s.dispatched('2026-03-31 14:05', 'housing', '2026-03-31 16:05', '2026-04-14 17:30'), s.accepted('2026-03-31 14:10', 'housing', '2026-03-31 16:05')],
  });
  const until = Date.now() + 10_000;
  while ((await get('/v1/stats/overview?from=2026-03-31&to=2026-03-31&source=summary')).volumes.received === before && Date.now() < until) await sleep(50);
  t.equal((await get('/v1/stats/overview?from=2026-03-31&to=2026-03-31&source=summary')).volumes.received, before + 1);
  await sameAsLive(t, 'after the tick');
});

t.test('a day summarised before it was over is recounted once it is (the service was down that evening)', async (t) => {
  const day = '2026-03-20';
  const received = async () => (await get(`/v1/stats/overview?from=${day}&to=${day}&source=summary`)).volumes.received;
  const before = await received();
  // Last computed at 17:59 that day, by this release (which deletes and inserts the day's mark); the service then stopped until the next morning.
  await database.sql.begin(async (tx) => {
    await tx`delete from stats_summary_days where day = ${day}`;
    await tx`insert into stats_summary_days (day, computed_at, counters) values (${day}, ${bj(`${day} 17:59`)}::timestamptz, ${countersSignature})`;
  });
  await generateTicket(database.db, { at: bj(`${day} 20:00`), department: 'housing' });
  const until = Date.now() + 10_000;
  while ((await received()) === before && Date.now() < until) await sleep(50);
  t.equal(await received(), before + 1, 'the evening ticket is in the summary');
  const [row] = await database.sql<{ settled: boolean }[]>`
    select computed_at >= ${bj('2026-03-21 00:05')}::timestamptz as settled from stats_summary_days where day = ${day}`;
  t.ok(row?.settled, 'and the day is now marked as computed after it ended');
  await sameAsLive(t, 'after the recount');
});

t.test('a day recounted by a release with other counters (a replica during a rollout) is counted live until the timer recounts it', async (t) => {
  const day = '2026-03-09';
  const query = `/v1/stats/overview?from=${day}&to=${day}`;
  const live = await get(`${query}&source=live`);
  const counters = async () => (await database.sql<{ counters: string }[]>`select counters from stats_summary_days where day = ${day}`)[0]?.counters;
  const current = await counters();
  t.ok(current?.includes('routed_automatically'), 'kept with the counters of this release');
  // The release before 自动分派率 recounts the day: the counters it does not know stay 0, and it
  // marks the day as the releases before this one did.
  await database.sql.begin(async (tx) => {
    await tx`update stats_daily set routed_automatically = 0, model_decisions = 0, accept_decided = 0 where day = ${day}`;
    await tx`update stats_daily_departments set routed_automatically = 0, model_decisions = 0, accept_decided = 0 where day = ${day}`;
    await tx`insert into stats_summary_days (day, computed_at) values (${day}, now()) on conflict (day) do update set computed_at = excluded.computed_at`;
  });
  t.equal(await counters(), '', 'the day is no longer marked as kept with these counters');
  const asked = await app.inject({ method: 'GET', url: query, headers: manager });
  t.match(asked.json().source, { summaryDays: 0, liveDays: 1 }, 'so it is not read from the summary');
  const { source: _s, ...figures } = asked.json();
  t.same(figures, live, 'and the figures are right meanwhile');
  const until = Date.now() + 10_000;
  while ((await counters()) !== current && Date.now() < until) await sleep(50);
  t.equal(await counters(), current, 'the timer recounted the day');
  t.same(await get(`${query}&source=summary`), live, 'with the counters of this release');
});

t.test('days without summary rows are counted live, and a rebuild recounts a period', async (t) => {
  // From here on rows are deleted on purpose; the timer would count those days again at once.
  await app.statsSummaryTimer.stop();
  await database.sql`delete from stats_summary_days where day between '2026-03-10' and '2026-03-20'`;
  await database.sql`delete from stats_daily where day between '2026-03-10' and '2026-03-20'`;
  const res = await app.inject({ method: 'GET', url: '/v1/stats/overview?from=2026-03-01&to=2026-03-31', headers: manager });
  t.same(res.json().source, { ...res.json().source, summaryDays: 20, liveDays: 11 });
  const { source: _s, ...mixed } = res.json();
  t.same(mixed, await get('/v1/stats/overview?from=2026-03-01&to=2026-03-31&source=live'), 'summary days and live days together');
  const rebuilt = await app.inject({ method: 'POST', url: '/v1/stats/summary', headers: { authorization: 'Bearer dev-admin' }, payload: { from: '2026-03-10', to: '2026-03-20' } });
  t.same(rebuilt.json(), { days: 11 });
  await sameAsLive(t, 'after the rebuild');
});

t.test('a month filtered by one department, category, district or channel is answered by the summary alone', async (t) => {
  const filtered = [
    'overview?from=2026-03-01&to=2026-03-31&department=housing',
    'overview?from=2026-03-01&to=2026-03-31&category=01',
    'overview?from=2026-03-01&to=2026-03-31&district=A1%E5%8C%BA',
    'overview?from=2026-03-01&to=2026-03-31&channel=phone',
    'departments?from=2026-03-01&to=2026-03-31&category=01',
    'departments?from=2026-03-01&to=2026-03-31&district=A1%E5%8C%BA',
    'departments?from=2026-03-01&to=2026-03-31&channel=phone',
    'trend?from=2026-03-01&to=2026-03-31&granularity=day&district=A1%E5%8C%BA',
  ];
  const auto = async (q: string) => {
    const res = await app.inject({ method: 'GET', url: `/v1/stats/${q}`, headers: manager });
    t.equal(res.statusCode, 200, q);
    return res.json();
  };
  for (const q of filtered) {
    const { source, ...rest } = await auto(q);
    t.same(source, { ...source, summaryDays: 31, liveDays: 0 }, `summary days only: ${q}`);
    t.same(rest, await get(`/v1/stats/${q}&source=live`), `equal to the live recount: ${q}`);
  }
  // Proof that nothing of them is counted from the events: without the roll-ups by dimension they change.
  const live = await get('/v1/stats/departments?from=2026-03-01&to=2026-03-31&channel=phone&source=live');
  t.ok(
    live.departments.some((d: { figures: { timeToAccept: { count: number }; timeToReply: { count: number } } }) => d.figures.timeToAccept.count > 0 && d.figures.timeToReply.count > 0),
    'the fixture has times to accept and reply by phone',
  );
  await database.sql`delete from stats_daily_durations_dimensions where day between '2026-03-01' and '2026-03-31'`;
  const { source: _a, ...withoutDurations } = await auto('departments?from=2026-03-01&to=2026-03-31&channel=phone');
  t.notSame(withoutDurations, live, 'the scorecards take their times to accept and reply from stats_daily_durations_dimensions');
  await database.sql`delete from stats_daily_dimensions where day between '2026-03-01' and '2026-03-31'`;
  await database.sql`delete from stats_daily_mix_pairs where day between '2026-03-01' and '2026-03-31'`;
  for (const q of ['overview?from=2026-03-01&to=2026-03-31&channel=phone', 'overview?from=2026-03-01&to=2026-03-31&category=01', 'overview?from=2026-03-01&to=2026-03-31&department=housing']) {
    const { source: _b, ...without } = await auto(q);
    t.notSame(without, await get(`/v1/stats/${q}&source=live`), `the overview takes its counts and mix from the roll-ups: ${q}`);
  }
  const rebuilt = await app.inject({ method: 'POST', url: '/v1/stats/summary', headers: admin, payload: { from: '2026-03-01', to: '2026-03-31' } });
  t.same(rebuilt.json(), { days: 31 });
  for (const q of filtered) {
    const { source: _c, ...rest } = await auto(q);
    t.same(rest, await get(`/v1/stats/${q}&source=live`), `rebuilt, equal to the live recount: ${q}`);
  }
  // Days without summary rows are counted live under these filters too.
  await database.sql`delete from stats_summary_days where day between '2026-03-10' and '2026-03-20'`;
  for (const q of filtered) {
    const { source, ...rest } = await auto(q);
    t.same(source, { ...source, summaryDays: 20, liveDays: 11 }, `summary and live days: ${q}`);
    t.same(rest, await get(`/v1/stats/${q}&source=live`), `summary and live days together equal the live recount: ${q}`);
  }
});
