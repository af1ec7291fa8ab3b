import t from 'tap';
import { bj, buildTestStats, generateTicket, manager, step as s, type Step } from './helper';

/**
 * 自动分派率: of the received tickets the classifier decided on, the share it routed without an
 * agent. An agent's correction and the triage after a 退单 are not the model's decisions.
 */
const { app, database } = await buildTestStats(t, { now: () => new Date('2026-05-20T10:00:00+08:00') });
const H = 'housing';
const E = 'ecology';
const rate = (numerator: number, denominator: number, value: number | null) => ({ numerator, denominator, rate: value });

const classified = (at: string, department: string, correctedBy?: string): Step => [
  'classified',
  bj(at),
  {
    categoryCode: department === H ? '01' : '05',
    categoryName: department === H ? '城乡建设' : '环境保护',
    department,
    confidence: correctedBy ? 1 : 0.97,
    modelVersion: '20261202-0d0ad453',
    alternatives: [],
    ...(correctedBy ? { correctedBy } : {}),
  },
];
const triaged = (at: string, byModel: boolean): Step => [
  'triaged',
  bj(at),
  byModel
    ? { reason: 'model confidence 0.62 is below the threshold 0.9', suggestion: { category: '城乡建设', probability: 0.62 }, modelVersion: '20261202-0d0ad453' }
    : { reason: '不属于本单位职责', suggestion: null, modelVersion: null },
];

// Monday 05-11: routed by the model, dispatched.
await generateTicket(database.db, {
  at: bj('2026-05-11 09:00'),
  department: H,
  steps: [classified('2026-05-11 09:00', H), s.dispatched('2026-05-11 09:01', H, '2026-05-11 11:00', '2026-05-25 17:30')],
});
// Monday: the model unsure, an agent picks the category (a correction, not a model decision).
await generateTicket(database.db, {
  at: bj('2026-05-11 10:00'),
  department: E,
  steps: [triaged('2026-05-11 10:00', true), classified('2026-05-11 10:05', E, 'dev-agent'), s.dispatched('2026-05-11 10:06', E, '2026-05-11 12:00', '2026-05-25 17:30')],
});
// Tuesday 05-12: routed by the model, returned by the department (退单) and back in triage: one decision, routed.
await generateTicket(database.db, {
  at: bj('2026-05-12 09:00'),
  department: H,
  status: 'triage',
  steps: [
    classified('2026-05-12 09:00', H),
    s.dispatched('2026-05-12 09:01', H, '2026-05-12 11:00', '2026-05-26 17:30'),
    s.returned('2026-05-12 09:30', H),
    triaged('2026-05-12 09:30', false),
  ],
});
// Tuesday: the model unsure, still in triage.
await generateTicket(database.db, { at: bj('2026-05-12 10:00'), department: H, status: 'triage', steps: [triaged('2026-05-12 10:00', true)] });

for (const source of ['live', 'summary'] as const) {
  t.test(`the model's decisions and the share it routed without an agent (${source})`, async (t) => {
    if (source === 'summary') await app.statsSummary.refresh('2026-05-01', '2026-05-19');
    const get = async (path: string, query = '') => {
      const res = await app.inject({ method: 'GET', url: `/v1/stats/${path}?from=2026-05-11&to=2026-05-12&source=${source}${query}`, headers: manager });
      t.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const overview = await get('overview');
    t.same(overview.figures.automaticRouting, rate(2, 4, 0.5), '2 of the 4 decisions routed without an agent');
    t.equal(overview.source[source === 'live' ? 'liveDays' : 'summaryDays'], 2);

    const trend = await get('trend', '&granularity=day');
    t.same(
      trend.points.map((p: { start: string; automaticRouting: unknown }) => [p.start, p.automaticRouting]),
      [
        ['2026-05-11', rate(1, 2, 0.5)],
        ['2026-05-12', rate(1, 2, 0.5)],
      ],
    );

    const ecology = await get('overview', `&department=${E}`);
    t.same(ecology.figures.automaticRouting, rate(0, 1, 0), "by department: the ticket's, as for every figure");
  });
}

t.test('the CSV overview has the row', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/v1/stats/overview.csv?from=2026-05-11&to=2026-05-12', headers: manager });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.body, /\r\n分派,自动分派率,,2,4,50\r\n/);
});
