import t from 'tap';
import { bj, buildTestStats, generateTicket, manager, step as s, type Step } from './helper';

/**
 * 自动分派率: of the received tickets the classifier decided on, the share it routed without an
 * agent. An agent's correction and the triage after a 退单 are not the model's decisions. By
 * department, a decision counts for the department of the model's suggestion, which both its
 * events name, wherever the ticket went after.
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
/** By the model (with the department of its suggestion and the cause), or after a 退单 (no model). */
const triaged = (at: string, suggested: string | null, cause: 'unsure' | 'too_few_words' = 'unsure'): Step => [
  'triaged',
  bj(at),
  suggested
    ? {
        reason: cause === 'unsure' ? 'model confidence 0.62 is below the threshold 0.9' : '6 content words, fewer than the 13 needed to route without an agent',
        suggestion: { category: suggested === H ? '城乡建设' : '环境保护', probability: 0.62 },
        modelVersion: '20261202-0d0ad453',
        department: suggested,
        cause,
      }
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
  steps: [triaged('2026-05-11 10:00', E), classified('2026-05-11 10:05', E, 'dev-agent'), s.dispatched('2026-05-11 10:06', E, '2026-05-11 12:00', '2026-05-25 17:30')],
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
    triaged('2026-05-12 09:30', null),
  ],
});
// Tuesday: the model unsure (it suggested housing); an agent dispatches it to the water company.
await generateTicket(database.db, {
  at: bj('2026-05-12 10:00'),
  department: 'water',
  steps: [triaged('2026-05-12 10:00', H, 'too_few_words'), s.dispatched('2026-05-12 10:10', 'water', '2026-05-12 12:10', '2026-05-26 17:30')],
});

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
    t.same(overview.figures.triageCauses, { unsure: 1, tooFewWords: 1, unlabelledCategory: 0 }, 'and why the other two went to an agent');
    t.equal(overview.source[source === 'live' ? 'liveDays' : 'summaryDays'], 2);

    const trend = await get('trend', '&granularity=day');
    t.same(
      trend.points.map((p: { start: string; automaticRouting: unknown }) => [p.start, p.automaticRouting]),
      [
        ['2026-05-11', rate(1, 2, 0.5)],
        ['2026-05-12', rate(1, 2, 0.5)],
      ],
    );

    const byDepartment = async (department: string) => (await get('overview', `&department=${department}`)).figures.automaticRouting;
    t.same(await byDepartment(H), rate(2, 3, 0.6667), "housing: the model's two routings and the ticket it suggested for housing");
    t.same(await byDepartment(E), rate(0, 1, 0), 'ecology: the ticket an agent classified after the model was unsure');
    t.same(await byDepartment('water'), rate(0, 0, null), 'the water company: no decision of the model named it');
    const cards = (await get('departments')).departments as { department: string; figures: { automaticRouting: unknown } }[];
    t.same(cards.find((c) => c.department === H)?.figures.automaticRouting, rate(2, 3, 0.6667), 'the same on the scorecards');
  });
}

t.test('the CSV overview has the row, and the scorecards and the trend a column', async (t) => {
  const csv = async (path: string) => {
    const res = await app.inject({ method: 'GET', url: `/v1/stats/${path}.csv?from=2026-05-11&to=2026-05-12`, headers: manager });
    t.equal(res.statusCode, 200, res.body);
    return res.body.split('\r\n').map((line) => line.split(','));
  };
  const overview = await csv('overview');
  t.same(overview.find((row) => row[1] === '自动分派率'), ['分派', '自动分派率', '', '2', '4', '50']);
  t.same(
    overview.filter((row) => row[1]?.startsWith('转人工')),
    [
      ['分派', '转人工:模型把握不足', '1', '', '', ''],
      ['分派', '转人工:内容字数不足', '1', '', '', ''],
      ['分派', '转人工:无训练标注的类别', '0', '', '', ''],
    ],
  );
  const [header, ...cards] = await csv('departments');
  const column = (header ?? []).indexOf('自动分派率(%)');
  t.ok(column > 0, 'the scorecards have the column');
  t.equal(cards.find((row) => row[1] === H)?.[column], '66.67');
  const [trendHeader, monday] = await csv('trend');
  t.equal(monday?.[(trendHeader ?? []).indexOf('自动分派率(%)')], '50');
});
