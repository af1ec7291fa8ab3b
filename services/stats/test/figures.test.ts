import t from 'tap';
import { generateMarch } from './fixtures';
import { buildTestStats, manager } from './helper';

/** Figures of a generated March whose every answer is known by construction (see fixtures.ts). */
const { app, database } = await buildTestStats(t, { now: () => new Date('2026-04-15T10:00:00+08:00') });
await generateMarch(database.db);

const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url, headers: manager });
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json();
};
const rate = (numerator: number, denominator: number, value: number | null) => ({ numerator, denominator, rate: value });

for (const source of ['live', 'summary'] as const) {
  t.test(`the month's overview, counted ${source}`, async (t) => {
    if (source === 'summary') await app.statsSummary.refresh('2026-02-01', '2026-04-30');
    const o = await get(`/v1/stats/overview?from=2026-03-01&to=2026-03-31&source=${source}`);
    t.same(o.period, { from: '2026-03-01', to: '2026-03-31', days: 31 });
    t.same(o.volumes, { received: 11, dispatched: 6, answered: 1, transferred: 1, merged: 1 }, 'each ticket once; boundary tickets by Beijing date');
    const f = o.figures;
    t.equal(f.dispatches, 8, 'every dispatch: the reopen and the re-dispatch after 退单 too');
    t.same(f.acceptOnTime, rate(6, 7, 0.8571), '签收及时率: 7 accepts decided (T5\'s returned dispatch was never accepted), T2 late');
    t.same(f.replyOnTime, rate(5, 6, 0.8333), '按时办结率: the reopened ticket counts once per cycle');
    t.same(f.resolution, rate(3, 5, 0.6), '解决率: reached callbacks only');
    t.same(f.satisfaction, rate(3, 5, 0.6), '满意率');
    t.equal(f.satisfactionScore, 52, '(100 + 100 + 60 + 0 + 0) / 5');
    t.same(f.satisfactionLevels, { very_satisfied: 1, satisfied: 1, basically_satisfied: 1, dissatisfied: 1, very_dissatisfied: 1 });
    t.equal(f.partlyResolved, 1);
    t.equal(f.unresolved, 1);
    t.equal(f.unreachable, 1, 'unreachable reported apart');
    t.equal(f.unreachedAttempts, 3);
    t.equal(f.returns, 1);
    t.equal(f.reopens, 1);
    t.same(f.timeToAccept, { count: 7, medianMinutes: 30, p90Minutes: 180 });
    t.same(f.timeToReply, { count: 6, medianMinutes: 2900, p90Minutes: 24000 }, 'two significant figures');
    t.same(
      o.byCategory.map((c: { code: string; name: string; received: number }) => [c.code, c.name, c.received]),
      [
        ['01', '城乡建设', 7],
        ['', '未分类', 3],
        ['05', '纪检监察', 1],
      ],
    );
    t.same(
      o.byDistrict.map((c: { name: string; received: number }) => [c.name, c.received]),
      [
        ['A1区', 4],
        ['未知区县', 4],
        ['A2区', 2],
        ['A3区', 1],
      ],
    );
    t.same(
      o.byChannel.map((c: { name: string; received: number }) => [c.name, c.received]),
      [
        ['电话', 9],
        ['网站', 1],
        ['微信', 1],
      ],
    );
    t.same(o.source, source === 'live' ? { summaryDays: 0, liveDays: 31, summaryAsOf: null } : { ...o.source, summaryDays: 31, liveDays: 0 });
  });
}

t.test('department scorecards, composite and ranking', async (t) => {
  const d = await get('/v1/stats/departments?from=2026-03-01&to=2026-03-31');
  t.same(d.weights, { response: 30, resolution: 35, satisfaction: 35 });
  const card = (code: string) => d.departments.find((c: { department: string }) => c.department === code);
  const housing = card('housing');
  t.equal(housing.name, '市住房和城乡建设局');
  t.same(housing.volumes, { received: 4, dispatched: 5, answered: 0, transferred: 0, merged: 0 });
  t.equal(housing.figures.dispatches, 6);
  t.same(housing.figures.acceptOnTime, rate(4, 5, 0.8), 'T1, T3 twice, T4 on time, T2 late; the returned T5 not counted');
  t.same(housing.figures.replyOnTime, rate(4, 5, 0.8));
  t.same(housing.figures.resolution, rate(2, 4, 0.5));
  t.same(housing.figures.satisfaction, rate(3, 4, 0.75));
  t.equal(housing.figures.satisfactionScore, 65);
  t.equal(housing.figures.returns, 1, '退单 of housing');
  t.equal(housing.figures.reopens, 1, '重办 of housing');
  t.equal(housing.figures.unreachable, 1);
  t.same(housing.figures.timeToAccept, { count: 5, medianMinutes: 30, p90Minutes: 180 });
  t.same(housing.figures.timeToReply, { count: 5, medianMinutes: 2900, p90Minutes: 24000 });
  t.equal(housing.composite, 67.75, '30 × 0.8 + 35 × 0.5 + 35 × 0.75');
  const urban = card('urban-management');
  t.same(urban.figures.acceptOnTime, rate(2, 2, 1));
  t.same(urban.figures.satisfaction, rate(0, 1, 0));
  t.equal(urban.composite, 65);
  t.same(
    d.departments.slice(0, 2).map((c: { department: string; rank: number }) => [c.department, c.rank]),
    [
      ['housing', 1],
      ['urban-management', 2],
    ],
  );
  const transport = card('transport');
  t.ok(transport, 'a department with no tickets is listed');
  t.same(transport.figures.acceptOnTime, rate(0, 0, null));
  t.same(transport.figures.satisfaction, rate(0, 0, null));
  t.equal(transport.figures.satisfactionScore, null);
  t.same(transport.figures.timeToAccept, { count: 0, medianMinutes: null, p90Minutes: null });
  t.equal(transport.composite, null);
  t.equal(transport.rank, null, 'and not ranked');
  t.equal(d.departments.length, 29, 'every department');

  const weighted = await get('/v1/stats/departments?from=2026-03-01&to=2026-03-31&weights=0,0,100');
  t.same(
    weighted.departments.slice(0, 2).map((c: { department: string; composite: number }) => [c.department, c.composite]),
    [
      ['housing', 75],
      ['urban-management', 0],
    ],
    'weights from the request re-rank the departments',
  );

  const one = await get('/v1/stats/departments?from=2026-03-01&to=2026-03-31&department=urban-management');
  t.same(
    one.departments.map((c: { department: string; rank: number }) => [c.department, c.rank]),
    [['urban-management', 2]],
    'one department keeps its rank among all',
  );
});

t.test('nothing rated: the rates without a denominator are null and the composite uses the rest', async (t) => {
  const d = await get('/v1/stats/departments?from=2026-03-06&to=2026-03-07');
  const card = (code: string) => d.departments.find((c: { department: string }) => c.department === code);
  const housing = card('housing');
  t.same(housing.figures.acceptOnTime, rate(0, 0, null), 'the dispatch returned before its accept was decided is not counted');
  t.same(housing.figures.replyOnTime, rate(2, 2, 1));
  t.same(housing.figures.resolution, rate(0, 0, null));
  t.same(housing.figures.satisfaction, rate(0, 0, null));
  t.equal(housing.figures.satisfactionScore, null);
  t.equal(housing.composite, null, 'none of the three rates: no composite');
  t.equal(housing.rank, null);
  const urban = card('urban-management');
  t.same(urban.figures.acceptOnTime, rate(2, 2, 1));
  t.same(urban.figures.satisfaction, rate(0, 0, null));
  t.equal(urban.composite, 100, 'response alone');
  const o = await get('/v1/stats/overview?from=2026-03-06&to=2026-03-07');
  t.same(o.figures.satisfaction, rate(0, 0, null));
  t.same(o.figures.acceptOnTime, rate(2, 2, 1));
});

t.test('a period boundary at midnight Beijing time', async (t) => {
  const first = await get('/v1/stats/overview?from=2026-03-01&to=2026-03-01');
  t.equal(first.volumes.received, 1, '00:00 on the 1st belongs to the 1st (it is still 28 February in UTC)');
  const last = await get('/v1/stats/overview?from=2026-03-31&to=2026-03-31');
  t.equal(last.volumes.received, 1, '23:59:59.999 on the 31st belongs to the 31st');
  const april = await get('/v1/stats/overview?from=2026-04-01&to=2026-04-01');
  t.equal(april.volumes.received, 1, '00:00 on 1 April does not belong to March (it is still 31 March in UTC)');
  const feb = await get('/v1/stats/overview?from=2026-02-28&to=2026-02-28');
  t.equal(feb.volumes.received, 1);
});

t.test('filters narrow every figure', async (t) => {
  const housing = await get('/v1/stats/overview?from=2026-03-01&to=2026-03-31&department=housing');
  t.same(housing.figures.acceptOnTime, rate(4, 5, 0.8));
  t.same(housing.figures.timeToAccept, { count: 5, medianMinutes: 30, p90Minutes: 180 });
  const a2 = await get('/v1/stats/overview?from=2026-03-01&to=2026-03-31&district=A2%E5%8C%BA');
  t.same(a2.volumes, { received: 2, dispatched: 2, answered: 0, transferred: 0, merged: 0 });
  t.same(a2.figures.acceptOnTime, rate(3, 3, 1), 'T3 twice and T4');
  t.same(a2.figures.timeToAccept, { count: 3, medianMinutes: 20, p90Minutes: 60 }, 'durations counted live under a district filter');
  const web = await get('/v1/stats/overview?from=2026-03-01&to=2026-03-31&channel=web');
  t.same(web.figures.replyOnTime, rate(0, 1, 0));
  const enforcement = await get('/v1/stats/overview?from=2026-03-01&to=2026-03-31&category=01.02.02');
  t.same(enforcement.volumes, { received: 2, dispatched: 2, answered: 0, transferred: 0, merged: 0 }, 'a third-level category: T5 and T6');
  t.equal(enforcement.source.liveDays, 31, 'counted live: the summary keeps first-level categories');
  const top = await get('/v1/stats/overview?from=2026-03-01&to=2026-03-31&category=01');
  t.equal(top.volumes.received, 7);
});

t.test('trend by day, week and month', async (t) => {
  const week = await get('/v1/stats/trend?from=2026-03-01&to=2026-03-31&granularity=week');
  t.same(
    week.points.map((p: { start: string; volumes: { received: number } }) => [p.start, p.volumes.received]),
    [
      ['2026-03-01', 1],
      ['2026-03-02', 9],
      ['2026-03-09', 0],
      ['2026-03-16', 0],
      ['2026-03-23', 0],
      ['2026-03-30', 1],
    ],
    'weeks start on Monday, the first cut to the period',
  );
  const second = week.points[1];
  t.same(second.acceptOnTime, rate(5, 6, 0.8333), 'T1, T3, T4, T5, T6 accepted on time, T2 late; T5\'s returned dispatch not counted');
  const day = await get('/v1/stats/trend?from=2026-03-01&to=2026-03-31&granularity=day');
  t.equal(day.points.length, 31);
  t.same(day.points[19].replyOnTime, rate(0, 1, 0), 'T2 replied late on the 20th');
  const month = await get('/v1/stats/trend?from=2026-02-01&to=2026-04-30&granularity=month');
  t.same(
    month.points.map((p: { start: string; volumes: { received: number } }) => [p.start, p.volumes.received]),
    [
      ['2026-02-01', 1],
      ['2026-03-01', 11],
      ['2026-04-01', 1],
    ],
  );
});
