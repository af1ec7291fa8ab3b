import { parseTicketEvent } from '@hotline/contracts';
import { tickets } from '@hotline/db';
import { collectMessages } from '@hotline/testkit';
import { eq } from 'drizzle-orm';
import t from 'tap';
import { agent, buildTestIntake, manager, sampleTicket } from './helper';

type App = Awaited<ReturnType<typeof buildTestIntake>>['app'];

interface Created {
  id: string;
  number: string;
}

const repostContent =
  '再次反映：A市A3区某小区旁的工地，每天晚上十一点以后还在施工，噪音很大，严重影响居民休息，已经打过3次电话了，请相关部门尽快处理！';

async function create(app: App, overrides: Record<string, unknown> = {}): Promise<Created> {
  const res = await app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, ...overrides } });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json();
}

async function similarIds(app: App, id: string): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: `/v1/tickets/${id}/similar`, headers: agent });
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json().items.map((i: { ticket: { id: string } }) => i.ticket.id);
}

t.test('similar: the repost by the same caller and the copy about the same place, nothing else', async (t) => {
  const { app, database } = await buildTestIntake(t);
  const original = await create(app);
  const neighbour = await create(app, {
    caller: { name: '李女士', phone: '13900001111' },
    content: 'A市A3区某小区旁工地每天晚上十一点后还在施工，噪音很大，严重影响居民休息，请相关部门尽快处理。',
  });
  const unrelated = await create(app, { title: 'A3区某小区路灯不亮', content: 'A3区某小区门口的路灯坏了一个月，晚上出行很不安全，请尽快维修。' });
  const elsewhere = await create(app, { caller: { name: '王先生', phone: '13700002222' }, location: { district: 'A5区', street: '东塘街道' } });
  const answered = await create(app, { type: 'consultation' });
  await app.inject({ method: 'POST', url: `/v1/tickets/${answered.id}/answer`, headers: agent, payload: { answer: '夜间施工须办理许可。' } });
  const merged = await create(app);
  const old = await create(app);
  await database.db
    .update(tickets)
    .set({ createdAt: new Date(Date.now() - 31 * 86_400_000) })
    .where(eq(tickets.id, old.id));
  const repost = await create(app, { content: repostContent });
  const merging = await app.inject({ method: 'POST', url: `/v1/tickets/${merged.id}/merge`, headers: agent, payload: { into: original.id } });
  t.equal(merging.statusCode, 200, merging.body);

  const res = await app.inject({ method: 'GET', url: `/v1/tickets/${repost.id}/similar`, headers: agent });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.match(body, { threshold: Number, windowDays: 30 });
  t.same(
    body.items.map((i: { ticket: { id: string } }) => i.ticket.id).sort(),
    [original.id, neighbour.id].sort(),
    'not the unrelated, elsewhere, answered, merged or 31-day-old ticket',
  );
  const byId = new Map(body.items.map((i: { ticket: { id: string } }) => [i.ticket.id, i]));
  t.match(byId.get(original.id), { sameCaller: true, samePlace: true, ticket: { number: original.number, caller: { phone: '13812341234' } } });
  t.match(byId.get(neighbour.id), { sameCaller: false, samePlace: true });
  const scores = body.items.map((i: { score: number }) => i.score);
  t.ok(scores.every((s: number) => s >= body.threshold && s <= 1), `scores ${scores}`);
  t.same(scores, [...scores].sort((a, b) => b - a), 'best first');
  t.notOk(byId.has(unrelated.id) || byId.has(elsewhere.id));

  t.same(await similarIds(app, elsewhere.id), [], 'a copy from another caller about another place is not offered');
  t.ok((await similarIds(app, original.id)).includes(repost.id), 'an older ticket finds its later repost too');
  const asManager = await app.inject({ method: 'GET', url: `/v1/tickets/${repost.id}/similar`, headers: manager });
  t.equal(asManager.statusCode, 200);
  t.same(
    asManager.json().items.map((i: { ticket: { caller: { phone: string } } }) => i.ticket.caller.phone).sort(),
    ['138****1234', '139****1111'],
    'a manager sees masked phones',
  );

  const missing = await app.inject({ method: 'GET', url: '/v1/tickets/0190b2c4-0000-7000-8000-000000000000/similar', headers: agent });
  t.equal(missing.statusCode, 404);
  const badId = await app.inject({ method: 'GET', url: '/v1/tickets/not-a-uuid/similar', headers: agent });
  t.equal(badId.statusCode, 400);
});

t.test('similar: a ticket without phone or district compares by what it has', async (t) => {
  const { app } = await buildTestIntake(t);
  const anonymous = await create(app, { caller: { anonymous: true }, location: {} });
  const full = await create(app);
  t.same(await similarIds(app, anonymous.id), [], 'no caller and no place: nothing to narrow by, nothing offered');
  const noPlace = await create(app, { location: {} });
  t.same(await similarIds(app, noPlace.id), [full.id], 'the same caller is enough');
  const noStreet = await create(app, { caller: { phone: '13600003333' }, location: { district: 'A3区' } });
  t.same(await similarIds(app, noStreet.id), [full.id], 'without a street, the same district is the same place');
  t.same((await similarIds(app, full.id)).sort(), [noPlace.id, noStreet.id].sort(), 'and the other way round');
  const otherStreet = await create(app, { caller: { phone: '13600004444' }, location: { district: 'A3区', street: '另一街道' } });
  t.same(await similarIds(app, otherStreet.id), [noStreet.id], 'another street of the district is another place');
});

t.test('merge: the duplicate is merged, the target notes it, both in the history and on the stream', async (t) => {
  const { app, database, bus } = await buildTestIntake(t);
  const events = await collectMessages(bus, bus.names.tickets, bus.names.ticketSubject('merged'));
  t.teardown(() => events.stop());
  const target = await create(app);
  const duplicate = await create(app, { content: repostContent });

  const res = await app.inject({ method: 'POST', url: `/v1/tickets/${duplicate.id}/merge`, headers: agent, payload: { into: target.id } });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.equal(body.status, 'merged');
  t.equal(body.mergedInto, target.id);
  t.same(
    body.history.map((h: { type: string }) => h.type),
    ['received', 'merged'],
  );
  t.same(body.history[1].data, { into: target.id });

  const after = (await app.inject({ method: 'GET', url: `/v1/tickets/${target.id}`, headers: agent })).json();
  t.equal(after.status, 'received', 'the target stays as it is');
  t.same(
    after.history.map((h: { type: string }) => h.type),
    ['received', 'noted'],
  );
  t.equal(after.history[1].data.note, `并单: ticket ${duplicate.number} merged into this`);

  await events.waitFor(1);
  const event = parseTicketEvent(events.received[0]?.data);
  t.match(event, { type: 'merged', ticketId: duplicate.id, data: { into: target.id } });
  const [stored] = await database.db.select().from(tickets).where(eq(tickets.id, duplicate.id));
  t.equal(stored?.mergedInto, target.id);

  const again = await app.inject({ method: 'POST', url: `/v1/tickets/${duplicate.id}/merge`, headers: agent, payload: { into: target.id } });
  t.equal(again.statusCode, 409, 'a merged ticket is final');
});

t.test('merge: refused merges are 4xx and change nothing', async (t) => {
  const { app, database } = await buildTestIntake(t);
  const target = await create(app);
  const duplicate = await create(app, { content: repostContent });
  const dispatched = await create(app);
  await database.db.update(tickets).set({ status: 'dispatched' }).where(eq(tickets.id, dispatched.id));
  const answered = await create(app, { type: 'consultation' });
  await app.inject({ method: 'POST', url: `/v1/tickets/${answered.id}/answer`, headers: agent, payload: { answer: '已答复' } });
  const alreadyMerged = await create(app);
  await app.inject({ method: 'POST', url: `/v1/tickets/${alreadyMerged.id}/merge`, headers: agent, payload: { into: target.id } });
  const before = await database.db.select().from(tickets);
  const unknown = '0190b2c4-0000-7000-8000-000000000000';

  const cases: Array<[string, string, Record<string, string>, Record<string, unknown>, number, string]> = [
    ['into itself', duplicate.id, agent, { into: duplicate.id }, 409, 'conflict'],
    ['a dispatched ticket', dispatched.id, agent, { into: target.id }, 409, 'illegal_transition'],
    ['an answered ticket', answered.id, agent, { into: target.id }, 409, 'illegal_transition'],
    ['into an answered ticket', duplicate.id, agent, { into: answered.id }, 409, 'conflict'],
    ['into a merged ticket', duplicate.id, agent, { into: alreadyMerged.id }, 409, 'conflict'],
    ['a ticket with duplicates merged into it (their callers would be lost)', target.id, agent, { into: duplicate.id }, 409, 'conflict'],
    ['into an unknown ticket', duplicate.id, agent, { into: unknown }, 404, 'not_found'],
    ['an unknown ticket', unknown, agent, { into: target.id }, 404, 'not_found'],
    ['into a non-uuid', duplicate.id, agent, { into: '42' }, 400, 'validation_failed'],
    ['a non-uuid ticket', 'not-a-uuid', agent, { into: target.id }, 400, 'validation_failed'],
    ['without into', duplicate.id, agent, {}, 400, 'validation_failed'],
    ['by a manager', duplicate.id, manager, { into: target.id }, 403, 'forbidden'],
  ];
  for (const [name, id, headers, payload, status, code] of cases) {
    const res = await app.inject({ method: 'POST', url: `/v1/tickets/${id}/merge`, headers, payload });
    t.equal(res.statusCode, status, `${name}: ${res.body}`);
    t.equal(res.json().error.code, code, name);
  }
  const dispatchedRefusal = await app.inject({ method: 'POST', url: `/v1/tickets/${dispatched.id}/merge`, headers: agent, payload: { into: target.id } });
  t.match(dispatchedRefusal.json().error.message, /dispatched.*received, triage or classified/);
  t.match(
    (await app.inject({ method: 'POST', url: `/v1/tickets/${duplicate.id}/merge`, headers: agent, payload: { into: alreadyMerged.id } })).json().error.message,
    new RegExp(`merged into another ticket \\(${target.id}\\)`),
    'points at the ticket to merge into instead',
  );
  t.match(
    (await app.inject({ method: 'POST', url: `/v1/tickets/${target.id}/merge`, headers: agent, payload: { into: duplicate.id } })).json().error.message,
    new RegExp(`merge ticket ${duplicate.number} into ${target.number} instead`),
    'says which way round works',
  );
  t.same(await database.db.select().from(tickets), before, 'no ticket changed');
});

t.test('merge: two agents merging a pair in opposite directions get one merge', async (t) => {
  const { app } = await buildTestIntake(t);
  const a = await create(app);
  const b = await create(app, { content: repostContent });
  const results = await Promise.all([
    app.inject({ method: 'POST', url: `/v1/tickets/${a.id}/merge`, headers: agent, payload: { into: b.id } }),
    app.inject({ method: 'POST', url: `/v1/tickets/${b.id}/merge`, headers: agent, payload: { into: a.id } }),
  ]);
  t.same(results.map((r) => r.statusCode).sort(), [200, 409]);
  const statuses = await Promise.all(
    [a, b].map(async (x) => (await app.inject({ method: 'GET', url: `/v1/tickets/${x.id}`, headers: agent })).json().status),
  );
  t.same(statuses.sort(), ['merged', 'received']);
});
