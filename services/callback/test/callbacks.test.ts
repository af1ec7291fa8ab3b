import { callbacks, outbox, ticketEvents, tickets, type TicketEventRow } from '@hotline/db';
import { seedTicket } from '@hotline/testkit';
import { and, asc, eq } from 'drizzle-orm';
import t from 'tap';
import { agent, bj, buildTestCallback, callbackOf, departmentKey, historyTypes, manager, statusOf, TestClock, waitForCallback } from './helper';

t.test('a reply opens one callback, due the next working day, listed for agents earliest first', async (t) => {
  const clock = new TestClock(bj('2026-03-04 12:00'));
  const { app, database, names } = await buildTestCallback(t, { clock });
  const later = await seedTicket(database, names, { status: 'replied', now: bj('2026-03-04 11:00') });
  const earlier = await seedTicket(database, names, { status: 'replied', now: bj('2026-03-03 10:00'), callerPhone: '13900001111' });
  const callback = await waitForCallback(database.db, later.id);
  await waitForCallback(database.db, earlier.id);
  t.equal(await statusOf(database.db, later.id), 'callback_pending');
  t.equal(callback.cycle, 1);
  t.equal(callback.departmentCode, 'housing');

  const res = await app.inject({ method: 'GET', url: '/v1/callbacks', headers: agent });
  t.equal(res.statusCode, 200);
  const { items } = res.json();
  t.same(
    items.map((i: { ticketId: string }) => i.ticketId),
    [earlier.id, later.id],
    'earliest due first',
  );
  t.equal(items[1].due, '2026-03-05T17:30:00.000+08:00', 'replied on Wednesday: due by the end of Thursday');
  t.equal(items[1].overdue, false);
  t.equal(items[0].caller.phone, '13900001111', 'agents see the whole number they must call');
  t.equal(items[1].reply.text, '已现场处理，施工单位已停止夜间施工。');
  t.match(items[1].surveyUrl, /^https:\/\/12345\.example\.gov\.cn\/s\/[A-Za-z0-9_-]{46}$/);

  const masked = await app.inject({ method: 'GET', url: '/v1/callbacks', headers: manager });
  t.equal(masked.json().items[0].caller.phone, '139****1111', 'managers see it masked');
  t.equal((await app.inject({ method: 'GET', url: '/v1/callbacks', headers: departmentKey('housing') })).statusCode, 403);

  clock.set(bj('2026-03-06 09:00'));
  const overdue = await app.inject({ method: 'GET', url: '/v1/callbacks?overdue=true&limit=1', headers: agent });
  t.equal(overdue.json().items.length, 1);
  t.equal(overdue.json().items[0].overdue, true, 'past its due time: flagged');
  const next = await app.inject({ method: 'GET', url: `/v1/callbacks?overdue=true&limit=1&cursor=${overdue.json().nextCursor}`, headers: agent });
  t.same(next.json().items.map((i: { ticketId: string }) => i.ticketId), [later.id], 'the cursor gives the next page');
  t.equal(next.json().nextCursor, null);
  // A cursor someone made up: 36 dashes passed the old shape check and then failed in PostgreSQL with a 500.
  for (const forged of [`2026-03-06T01:00:00.000Z|${'-'.repeat(36)}`, 'not-a-date|0196b7a0-0000-7000-8000-000000000000', 'garbage']) {
    const res = await app.inject({ method: 'GET', url: `/v1/callbacks?cursor=${Buffer.from(forged).toString('base64url')}`, headers: agent });
    t.equal(res.statusCode, 400, forged);
    t.equal(res.json().error.details.fields[0].field, 'querystring.cursor', forged);
  }
});

t.test('a redelivered reply opens nothing twice', async (t) => {
  const { database, names, bus } = await buildTestCallback(t);
  const ticket = await seedTicket(database, names, { status: 'replied' });
  await waitForCallback(database.db, ticket.id);
  const [replied] = await database.db
    .select()
    .from(ticketEvents)
    .where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'replied')));
  const row = replied as TicketEventRow;
  const again = {
    id: row.id,
    type: 'replied',
    ticketId: ticket.id,
    occurredAt: row.occurredAt.toISOString(),
    actor: { role: row.actorRole, id: row.actorId },
    requestId: null,
    data: row.data,
  };
  // A new message id, so JetStream delivers it again as a redelivery would.
  await bus.js.publish(names.ticketSubject('replied'), JSON.stringify(again), { msgID: `${row.id}-again` });
  await new Promise((r) => setTimeout(r, 1500));
  const rows = await database.db.select().from(callbacks).where(eq(callbacks.ticketId, ticket.id));
  t.equal(rows.length, 1, 'one callback');
  t.same(await historyTypes(database.db, ticket.id), ['received', 'classified', 'dispatched', 'accepted', 'replied', 'callback_due']);
});

t.test('satisfied and resolved: closed, with the answer in the history and on the bus', async (t) => {
  const { app, database, names } = await buildTestCallback(t);
  const ticket = await seedTicket(database, names, { status: 'replied' });
  const callback = await waitForCallback(database.db, ticket.id);
  const res = await app.inject({
    method: 'POST',
    url: `/v1/tickets/${ticket.id}/callback`,
    headers: agent,
    payload: { reached: true, resolved: 'resolved', satisfaction: 'very_satisfied', comment: '处理很快' },
  });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { ticketId: ticket.id, status: 'closed', outcome: 'rated', cycle: 1, attempts: 0, supervision: false });
  t.same((await historyTypes(database.db, ticket.id)).slice(-2), ['callback_recorded', 'closed']);
  const [recorded] = await database.db
    .select()
    .from(ticketEvents)
    .where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'callback_recorded')));
  t.match(recorded?.data, {
    callbackId: callback.id,
    department: 'housing',
    via: 'phone',
    reached: true,
    resolved: 'resolved',
    satisfaction: 'very_satisfied',
    comment: '处理很快',
    reopenRequested: false,
  });
  const subjects = (await database.db.select({ subject: outbox.subject }).from(outbox).orderBy(asc(outbox.position))).map((o) => o.subject);
  t.ok(subjects.includes(names.ticketSubject('callback_recorded')) && subjects.includes(names.ticketSubject('closed')), 'events go out through the outbox');
  const done = await callbackOf(database.db, ticket.id);
  t.equal(done?.outcome, 'rated');
  t.equal(done?.completedVia, 'phone');

  const again = await app.inject({
    method: 'POST',
    url: `/v1/tickets/${ticket.id}/callback`,
    headers: agent,
    payload: { reached: true, resolved: 'resolved', satisfaction: 'satisfied' },
  });
  t.equal(again.statusCode, 409, 'never asked twice about one reply');
  t.equal(again.json().error.code, 'conflict');
});

t.test('not reached on three different working days: closed as unreachable', async (t) => {
  const clock = new TestClock(bj('2026-03-05 09:00'));
  const { app, database, names } = await buildTestCallback(t, { clock });
  const ticket = await seedTicket(database, names, { status: 'replied', now: bj('2026-03-04 16:00') });
  await waitForCallback(database.db, ticket.id);
  const call = () => app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/callback`, headers: agent, payload: { reached: false } });

  t.match((await call()).json(), { outcome: 'pending', attempts: 1, status: 'callback_pending' }, 'Thursday 09:00');
  clock.set(bj('2026-03-05 15:00'));
  t.match((await call()).json(), { outcome: 'pending', attempts: 2 }, 'Thursday again: still one working day');
  clock.set(bj('2026-03-07 10:00'));
  t.match((await call()).json(), { outcome: 'pending', attempts: 3 }, 'Saturday is no working day');
  clock.set(bj('2026-03-09 10:00'));
  t.match((await call()).json(), { outcome: 'pending', attempts: 4 }, 'Monday: the second working day');
  const list = await app.inject({ method: 'GET', url: '/v1/callbacks', headers: agent });
  t.match(list.json().items[0], { ticketId: ticket.id, attempts: 4, lastAttemptAt: '2026-03-09T10:00:00.000+08:00' });
  clock.set(bj('2026-03-10 10:00'));
  const last = await call();
  t.same(last.json(), { ticketId: ticket.id, status: 'closed', outcome: 'unreachable', cycle: 1, attempts: 5, supervision: false });
  const [closed] = await database.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'closed')));
  t.same(closed?.data, { reason: 'unreachable', department: 'housing' });
  t.same((await app.inject({ method: 'GET', url: '/v1/callbacks', headers: agent })).json().items, [], 'nothing left to call');
});

t.test('a call record retried with its Idempotency-Key is answered again, not counted twice', async (t) => {
  const clock = new TestClock(bj('2026-03-05 09:00'));
  const { app, database, names } = await buildTestCallback(t, { clock });
  const ticket = await seedTicket(database, names, { status: 'replied', now: bj('2026-03-04 16:00') });
  await waitForCallback(database.db, ticket.id);
  const call = (key: string, payload: object) =>
    app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/callback`, headers: { ...agent, 'idempotency-key': key }, payload });
  const recorded = async () => (await database.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'callback_recorded')))).length;

  const first = await call('huifang-1', { reached: false });
  t.match(first.json(), { outcome: 'pending', attempts: 1 });
  const retry = await call('huifang-1', { reached: false });
  t.equal(retry.statusCode, 200);
  t.equal(retry.headers['idempotent-replayed'], 'true');
  t.equal(retry.body, first.body, 'the first answer again');
  t.equal(await recorded(), 1, 'one unreached call, not two');
  t.equal((await callbackOf(database.db, ticket.id))?.attempts, 1);

  const other = await call('huifang-1', { reached: true, resolved: 'resolved', satisfaction: 'satisfied' });
  t.equal(other.statusCode, 409);
  t.equal(other.json().error.code, 'idempotency_conflict', 'the same key on another answer');
  const answered = await call('huifang-2', { reached: true, resolved: 'resolved', satisfaction: 'satisfied' });
  t.match(answered.json(), { status: 'closed', outcome: 'rated' });
  const again = await call('huifang-2', { reached: true, resolved: 'resolved', satisfaction: 'satisfied' });
  t.equal(again.statusCode, 200, 'a retried answer that was recorded is a 200, not a 409');
  t.equal(again.body, answered.body);
  t.equal(await recorded(), 2);
});

t.test('bad answers are refused, naming the field, and change nothing', async (t) => {
  const { app, database, names } = await buildTestCallback(t);
  const ticket = await seedTicket(database, names, { status: 'replied' });
  await waitForCallback(database.db, ticket.id);
  const [before] = await database.db.select().from(tickets).where(eq(tickets.id, ticket.id));
  const post = (payload: unknown, headers: Record<string, string> = { ...agent }) =>
    app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/callback`, headers, payload: payload as object });

  const missing = await post({ reached: true, resolved: 'resolved' });
  t.equal(missing.statusCode, 400);
  t.same(missing.json().error.details.fields.map((f: { field: string }) => f.field), ['satisfaction']);
  const unreached = await post({ reached: false, satisfaction: 'satisfied' });
  t.equal(unreached.statusCode, 400);
  t.match(unreached.json().error.message, /satisfaction/);
  const needless = await post({ reached: true, resolved: 'resolved', satisfaction: 'satisfied', reopen: true });
  t.equal(needless.statusCode, 400);
  t.match(needless.json().error.message, /reopen/);
  const level = await post({ reached: true, resolved: 'resolved', satisfaction: 'ok' });
  t.equal(level.statusCode, 400);
  t.match(level.json().error.message, /satisfaction/);
  t.equal((await post({ reached: 'yes' })).statusCode, 400);
  t.equal((await post({ reached: true, resolved: 'resolved', satisfaction: 'satisfied', extra: 1 })).statusCode, 400);
  t.equal((await post({ reached: true, resolved: 'resolved', satisfaction: 'satisfied', comment: 'x'.repeat(2001) })).statusCode, 400);
  t.equal((await app.inject({ method: 'POST', url: '/v1/tickets/not-a-uuid/callback', headers: agent, payload: { reached: false } })).statusCode, 400);
  t.equal((await post({ reached: false }, { ...departmentKey('housing') })).statusCode, 403);
  t.equal((await post({ reached: false }, {})).statusCode, 401);

  const [after] = await database.db.select().from(tickets).where(eq(tickets.id, ticket.id));
  t.equal(after?.version, before?.version, 'no event was written');
  t.equal((await callbackOf(database.db, ticket.id))?.attempts, 0);

  const elsewhere = await seedTicket(database, names, { status: 'accepted' });
  const early = await app.inject({ method: 'POST', url: `/v1/tickets/${elsewhere.id}/callback`, headers: agent, payload: { reached: false } });
  t.equal(early.statusCode, 409, 'not replied yet: nothing to ask');
  const unknown = await app.inject({
    method: 'POST',
    url: '/v1/tickets/0190a0a0-0000-7000-8000-000000000000/callback',
    headers: agent,
    payload: { reached: false },
  });
  t.equal(unknown.statusCode, 404);
});
