import t from 'tap';
import { bj, buildTestStats, generateTicket, manager, step as s } from './helper';

/**
 * 签收及时率 across a weekend: each dispatch counts once, on the day its accept is decided
 * (accepted, or the accept deadline passed first), so no day shows more than 100 %.
 */
const { app, database } = await buildTestStats(t, { now: () => new Date('2026-04-20T10:00:00+08:00') });
const H = 'housing';
const rate = (numerator: number, denominator: number, value: number | null) => ({ numerator, denominator, rate: value });

// Friday 17:00, due Monday 09:30; accepted Monday 09:00: on time, decided on Monday.
await generateTicket(db(), {
  at: bj('2026-04-10 16:50'),
  department: H,
  steps: [s.dispatched('2026-04-10 17:00', H, '2026-04-13 09:30', '2026-04-24 17:30'), s.accepted('2026-04-13 09:00', H, '2026-04-13 09:30')],
});
// Friday 16:00, due 18:00; the deadline passes (overdue, decided on Friday), accepted late on Monday.
await generateTicket(db(), {
  at: bj('2026-04-10 15:50'),
  department: H,
  steps: [
    s.dispatched('2026-04-10 16:00', H, '2026-04-10 18:00', '2026-04-24 17:30'),
    s.overdue('2026-04-10 18:00', 'accept', '2026-04-10 18:00'),
    s.accepted('2026-04-13 09:10', H, '2026-04-10 18:00'),
  ],
});
// Monday 10:00, still inside its deadline when the figures are read for Monday: not decided yet.
await generateTicket(db(), { at: bj('2026-04-13 09:55'), department: H, status: 'dispatched', steps: [s.dispatched('2026-04-13 10:00', H, '2026-04-20 12:00', '2026-04-27 17:30')] });

// Housing lets the accept deadline pass, then returns the ticket (退单); urban management takes it.
await generateTicket(db(), {
  at: bj('2026-04-14 09:50'),
  department: 'urban-management',
  steps: [
    s.dispatched('2026-04-14 10:00', H, '2026-04-14 12:00', '2026-04-28 17:30'),
    s.overdue('2026-04-14 12:00', 'accept', '2026-04-14 12:00', H),
    s.returned('2026-04-14 13:00', H),
    s.dispatched('2026-04-14 14:00', 'urban-management', '2026-04-14 16:00', '2026-04-28 17:30'),
    s.accepted('2026-04-14 14:10', 'urban-management', '2026-04-14 16:00'),
  ],
});

function db() {
  return database.db;
}

for (const source of ['live', 'summary'] as const) {
  t.test(`each dispatch once, on the day its accept was decided (${source})`, async (t) => {
    if (source === 'summary') await app.statsSummary.refresh('2026-04-01', '2026-04-19');
    const get = async (from: string, to: string) => {
      const res = await app.inject({ method: 'GET', url: `/v1/stats/overview?from=${from}&to=${to}&source=${source}`, headers: manager });
      t.equal(res.statusCode, 200, res.body);
      return res.json().figures;
    };
    const friday = await get('2026-04-10', '2026-04-10');
    t.equal(friday.dispatches, 2);
    t.same(friday.acceptOnTime, rate(0, 1, 0), 'Friday: the overdue dispatch; the other is not decided yet');
    const monday = await get('2026-04-13', '2026-04-13');
    t.equal(monday.dispatches, 1);
    t.same(monday.acceptOnTime, rate(1, 1, 1), 'Monday: the on-time accept of Friday\'s dispatch; the late accept was decided on Friday');
    t.same((await get('2026-04-10', '2026-04-13')).acceptOnTime, rate(1, 2, 0.5), 'Friday to Monday: two dispatches decided, one on time');
    t.same((await get('2026-04-11', '2026-04-12')).acceptOnTime, rate(0, 0, null), 'the weekend: nothing decided');
  });
}

t.test('超期 is charged to the department that let the deadline pass, not to the one the ticket went to after', async (t) => {
  for (const source of ['live', 'summary'] as const) {
    if (source === 'summary') await app.statsSummary.refresh('2026-04-14', '2026-04-14');
    const res = await app.inject({ method: 'GET', url: `/v1/stats/departments?from=2026-04-14&to=2026-04-14&source=${source}`, headers: manager });
    const card = (code: string) => res.json().departments.find((c: { department: string }) => c.department === code);
    t.equal(card(H).figures.overdue, 1, `housing (${source})`);
    t.equal(card('urban-management').figures.overdue, 0, `urban management (${source})`);
    t.same(card(H).figures.acceptOnTime, rate(0, 1, 0), `housing's dispatch was decided late (${source})`);
    t.same(card('urban-management').figures.acceptOnTime, rate(1, 1, 1), `urban management's on time (${source})`);
  }
});
