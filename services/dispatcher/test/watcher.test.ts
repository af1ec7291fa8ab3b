import { callbacks, deadlineAlerts, newTicketEvent, supervisionCases, ticketEvents, tickets } from '@hotline/db';
import { loadChinaCalendar, warningAt } from '@hotline/domain';
import { collectMessages, seedTicket, sleep } from '@hotline/testkit';
import { asc, eq } from 'drizzle-orm';
import t from 'tap';
import { agent, appendAs, buildTestDispatcher, createTicket, manager, TestClock, ticketRow, waitForStatus } from './helper';

const FRIDAY_1600 = new Date('2026-11-20T16:00:00+08:00');
const minute = 60_000;
const after = (at: Date, ms = minute) => new Date(at.getTime() + ms);

t.test('warnings and overdue alerts happen once per ticket and deadline, across replicas and a restart', async (t) => {
  const clock = new TestClock(FRIDAY_1600);
  const { intake, dispatcher: first, replica, database, bus } = await buildTestDispatcher(t, { clock, classifierThreshold: 1 });
  const overdueEvents = await collectMessages(bus, bus.names.tickets, bus.names.ticketSubject('overdue'));
  t.teardown(() => overdueEvents.stop());
  let second = await replica();

  const dispatchNew = async () => {
    const id = await createTicket(intake);
    await waitForStatus(database.db, id, 'triage');
    const res = await first.inject({ method: 'POST', url: `/v1/tickets/${id}/dispatch`, headers: agent, payload: { department: 'housing' } });
    if (res.statusCode !== 200) throw new Error(res.body);
    return ticketRow(database.db, id);
  };
  // `late` is never accepted; `onTime` is accepted at once, so only its reply deadline runs.
  const late = await dispatchNew();
  const onTime = await dispatchNew();
  await appendAs(
    database.db,
    bus.names,
    onTime.id,
    [newTicketEvent(onTime.id, 'accepted', { department: 'housing', acceptDeadline: onTime.acceptDeadline!.toISOString() }, { actor: { role: 'department', id: 'clerk' }, requestId: null, at: FRIDAY_1600 })],
    { acceptedAt: FRIDAY_1600 },
  );

  const calendar = loadChinaCalendar();
  const accept = late.acceptDeadline!;
  const reply = late.replyDeadline!;
  const acceptWarning = warningAt(FRIDAY_1600, accept, calendar, 0.2, 'working');
  const replyWarning = warningAt(FRIDAY_1600, reply, calendar, 0.2, 'working');
  t.equal(acceptWarning.toISOString(), '2026-11-23T00:36:00.000Z', '80% of 2 office hours: Monday 08:36');

  /** Both replicas scan at once, twice: the second round must find nothing left to do. */
  const scan = async (at: Date) => {
    clock.set(at);
    const rounds = [];
    for (let i = 0; i < 2; i++) rounds.push(await Promise.all([first.watchDeadlines(), second.watchDeadlines()]));
    const total = (round: { warnings: number; overdue: number }[]) =>
      round.reduce((sum, s) => ({ warnings: sum.warnings + s.warnings, overdue: sum.overdue + s.overdue }), { warnings: 0, overdue: 0 });
    return { first: total(rounds[0]!), again: total(rounds[1]!) };
  };
  const none = { warnings: 0, overdue: 0 };

  t.same(await scan(after(FRIDAY_1600, 30 * minute)), { first: none, again: none }, 'nothing is near yet');
  t.same(await scan(after(acceptWarning)), { first: { warnings: 1, overdue: 0 }, again: none }, 'accept warning for the unaccepted ticket only');

  // A restart: the second replica goes away and comes back with no memory.
  await second.close();
  second = await replica();

  t.same(await scan(after(accept)), { first: { warnings: 0, overdue: 1 }, again: none }, 'accept overdue once');
  t.same(await scan(after(replyWarning)), { first: { warnings: 2, overdue: 0 }, again: none }, 'reply warning for both tickets');

  // An approved extension moves the reply deadline of `late` by a week: new due time, new alerts.
  const extended = calendar.addWorkingDays(reply, 5);
  await database.db.update(tickets).set({ replyDeadline: extended }).where(eq(tickets.id, late.id));
  const extendedWarning = warningAt(FRIDAY_1600, extended, calendar, 0.2, 'working');
  t.ok(extendedWarning > reply, 'the new warning falls after the old deadline');
  t.same(await scan(after(reply)), { first: { warnings: 0, overdue: 1 }, again: none }, 'only the ticket whose deadline did not move is overdue');
  t.same(await scan(after(extendedWarning)), { first: { warnings: 1, overdue: 0 }, again: none }, 'the moved deadline warns again');
  t.same(await scan(after(extended)), { first: { warnings: 0, overdue: 1 }, again: none }, 'the moved deadline is overdue at its new time');
  t.same(await scan(after(extended, 30 * 24 * 60 * minute)), { first: none, again: none }, 'and never again');

  const historyOf = async (id: string) =>
    (await database.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, id)).orderBy(asc(ticketEvents.seq)))
      .filter((e) => e.type === 'deadline_warning' || e.type === 'overdue')
      .map((e) => ({ type: e.type, data: e.data, at: e.occurredAt.toISOString(), actor: e.actorId }));
  const iso = (d: Date) => d.toISOString();
  t.same(await historyOf(late.id), [
    { type: 'deadline_warning', data: { deadline: 'accept', due: iso(accept) }, at: iso(after(acceptWarning)), actor: 'deadline-watcher' },
    { type: 'overdue', data: { deadline: 'accept', due: iso(accept), department: 'housing' }, at: iso(after(accept)), actor: 'deadline-watcher' },
    { type: 'deadline_warning', data: { deadline: 'reply', due: iso(reply) }, at: iso(after(replyWarning)), actor: 'deadline-watcher' },
    { type: 'deadline_warning', data: { deadline: 'reply', due: iso(extended) }, at: iso(after(extendedWarning)), actor: 'deadline-watcher' },
    { type: 'overdue', data: { deadline: 'reply', due: iso(extended), department: 'housing' }, at: iso(after(extended)), actor: 'deadline-watcher' },
  ]);
  t.same(await historyOf(onTime.id), [
    { type: 'deadline_warning', data: { deadline: 'reply', due: iso(reply) }, at: iso(after(replyWarning)), actor: 'deadline-watcher' },
    { type: 'overdue', data: { deadline: 'reply', due: iso(reply), department: 'housing' }, at: iso(after(reply)), actor: 'deadline-watcher' },
  ]);
  t.equal((await database.db.select().from(deadlineAlerts)).length, 7, 'one alert row per ticket, deadline, due time and stage');

  const cases = await database.db.select().from(supervisionCases).orderBy(asc(supervisionCases.createdAt));
  t.same(
    cases.map((c) => [c.ticketId, c.reason, c.departmentCode]),
    [
      [late.id, 'overdue_accept', 'housing'],
      [onTime.id, 'overdue_reply', 'housing'],
      [late.id, 'overdue_reply', 'housing'],
    ],
    'one supervision case per overdue deadline',
  );
  const listed = await first.inject({ method: 'GET', url: '/v1/supervision', headers: manager });
  t.equal(listed.statusCode, 200);
  t.match(listed.json().items, [
    { ticketId: late.id, number: late.number, department: 'housing', reason: 'overdue_accept', createdAt: iso(after(accept)) },
    { ticketId: onTime.id, reason: 'overdue_reply' },
    { ticketId: late.id, reason: 'overdue_reply' },
  ]);

  await overdueEvents.waitFor(3);
  await sleep(300);
  t.equal(overdueEvents.received.length, 3, 'each overdue event published once');
});

t.test('the timer scans on its own and stops on close', async (t) => {
  const clock = new TestClock(FRIDAY_1600);
  const { intake, dispatcher, replica, database } = await buildTestDispatcher(t, { clock, classifierThreshold: 1 });
  const id = await createTicket(intake);
  await waitForStatus(database.db, id, 'triage');
  const res = await dispatcher.inject({ method: 'POST', url: `/v1/tickets/${id}/dispatch`, headers: agent, payload: { department: 'a3' } });
  t.equal(res.statusCode, 200);

  clock.set('2026-11-23T09:05:00+08:00');
  const ticking = await replica({ WATCH_INTERVAL_MS: '100' });
  const until = Date.now() + 10_000;
  let alerts = 0;
  while (alerts === 0 && Date.now() < until) {
    await sleep(50);
    alerts = (await database.db.select().from(deadlineAlerts)).length;
  }
  t.equal(alerts, 1, 'the accept deadline passed: one overdue alert from the timer');
  await ticking.close();
  t.same(await dispatcher.watchDeadlines(), { warnings: 0, overdue: 0 }, 'nothing left for another replica');
  t.match(await ticketRow(database.db, id), { status: 'dispatched', version: 4 });
});

t.test('a callback (回访) not made by its due time: a warning before, one overdue event after, no 督办 case', async (t) => {
  const repliedAt = new Date('2026-11-20T16:00:00+08:00');
  const clock = new TestClock(repliedAt);
  const { dispatcher, database, bus } = await buildTestDispatcher(t, { clock });
  const ticket = await seedTicket(database, bus.names, { status: 'callback_pending', now: repliedAt });
  // Due by the end of the next working day, as the callback service sets it.
  const due = new Date('2026-11-23T17:30:00+08:00');
  await database.db.update(callbacks).set({ due }).where(eq(callbacks.ticketId, ticket.id));
  const warning = warningAt(repliedAt, due, loadChinaCalendar(), 0.2, 'working');

  const scan = async (at: Date) => {
    clock.set(at);
    return [await dispatcher.watchDeadlines(), await dispatcher.watchDeadlines()];
  };
  const none = { warnings: 0, overdue: 0 };
  t.same(await scan(after(repliedAt, 60 * minute)), [none, none], 'nothing yet');
  t.same(await scan(after(warning)), [{ warnings: 1, overdue: 0 }, none], 'warned once');
  t.same(await scan(after(due)), [{ warnings: 0, overdue: 1 }, none], 'overdue once');

  const history = await database.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, ticket.id)).orderBy(asc(ticketEvents.seq));
  t.same(
    history.filter((e) => e.type === 'deadline_warning' || e.type === 'overdue').map((e) => [e.type, e.data]),
    [
      ['deadline_warning', { deadline: 'callback', due: due.toISOString() }],
      ['overdue', { deadline: 'callback', due: due.toISOString(), department: (await ticketRow(database.db, ticket.id)).departmentCode }],
    ],
  );
  t.equal((await ticketRow(database.db, ticket.id)).status, 'callback_pending', 'the ticket still waits for its callback');
  const cases = await database.db.select().from(supervisionCases).where(eq(supervisionCases.ticketId, ticket.id));
  t.equal(cases.length, 0, "a late callback is the hotline's own, not a department's");
});
