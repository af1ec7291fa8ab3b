import { parseTicketEvent } from '@hotline/contracts';
import { apiKeys, deadlineAlerts, hashApiKey, supervisionCases, ticketEvents, tickets } from '@hotline/db';
import { collectMessages, seedDispatch, seedTicket } from '@hotline/testkit';
import { asc, eq } from 'drizzle-orm';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { buildTestDepartments, keyOf, snapshot } from './helper';

const { app, database, names, bus } = await buildTestDepartments(t);
const housing = keyOf('housing');
const ecology = keyOf('ecology');

const apiKeyIdOf = async (key: string) => (await database.db.select().from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(key))))[0]?.id;

/** A housing clerk's action on a ticket. */
const post = (id: string, action: string, payload?: object) =>
  app.inject({ method: 'POST', url: `/v1/tickets/${id}/${action}`, headers: housing, ...(payload ? { payload } : {}) });

const types = (body: { history: { type: string }[] }) => body.history.map((h) => h.type);

t.test('accept (签收), progress and reply (办结反馈): history, projection and the replied event on the stream', async (t) => {
  const replied = await collectMessages(bus, names.tickets, names.ticketSubject('replied'));
  t.teardown(() => replied.stop());
  const ticket = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });

  const accept = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/accept`, headers: { ...housing, 'x-request-id': 'req-accept-1' } });
  t.equal(accept.statusCode, 200, accept.body);
  t.equal(accept.json().status, 'accepted');
  t.ok(accept.json().acceptedAt, 'acceptedAt is set');
  const acceptedEvent = accept.json().history.at(-1);
  t.match(acceptedEvent, {
    type: 'accepted',
    actor: { role: 'department' },
    data: { department: 'housing', acceptDeadline: ticket.acceptDeadline?.toISOString() },
  });

  const progress = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/progress`, headers: housing, payload: { note: '已派执法队员现场核查' } });
  t.equal(progress.statusCode, 201, progress.body);
  t.match(progress.json().history.at(-1), { type: 'progressed', data: { department: 'housing', note: '已派执法队员现场核查' } });

  const reply = await app.inject({
    method: 'POST',
    url: `/v1/tickets/${ticket.id}/reply`,
    headers: { ...housing, 'x-request-id': 'req-reply-1' },
    payload: { result: 'resolved', reply: '经核查，施工单位已停止夜间施工，并承诺整改。' },
  });
  t.equal(reply.statusCode, 200, reply.body);
  t.equal(reply.json().status, 'replied');
  t.same(types(reply.json()), ['received', 'classified', 'dispatched', 'accepted', 'progressed', 'replied']);

  await replied.waitFor(1);
  const event = parseTicketEvent(replied.received[0]?.data);
  t.equal(event.ticketId, ticket.id);
  t.equal(event.requestId, 'req-reply-1', 'the request id travels into the event');
  t.equal(event.actor.role, 'department');
  t.equal(event.id, reply.json().history.at(-1).id, 'the stream carries the history row');
  if (event.type === 'replied') t.same(event.data, {
        department: 'housing',
        result: 'resolved',
        reply: '经核查，施工单位已停止夜间施工，并承诺整改。',
        replyDeadline: ticket.replyDeadline?.toISOString(),
      });
});

t.test('illegal steps are a 409 and leave the ticket as it was', async (t) => {
  const dispatched = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  let before = await snapshot(database, dispatched.id);
  const early = await app.inject({ method: 'POST', url: `/v1/tickets/${dispatched.id}/reply`, headers: housing, payload: { result: 'resolved', reply: '已处理' } });
  t.equal(early.statusCode, 409, 'reply before accept');
  t.equal(early.json().error.code, 'illegal_transition');
  const earlyNote = await app.inject({ method: 'POST', url: `/v1/tickets/${dispatched.id}/progress`, headers: housing, payload: { note: '先记一笔' } });
  t.equal(earlyNote.statusCode, 409, 'progress before accept');
  t.same(await snapshot(database, dispatched.id), before);

  t.equal((await app.inject({ method: 'POST', url: `/v1/tickets/${dispatched.id}/accept`, headers: housing })).statusCode, 200);
  before = await snapshot(database, dispatched.id);
  const twice = await app.inject({ method: 'POST', url: `/v1/tickets/${dispatched.id}/accept`, headers: housing });
  t.equal(twice.statusCode, 409, 'accept twice');
  t.equal(twice.json().error.code, 'illegal_transition');
  const lateReturn = await app.inject({ method: 'POST', url: `/v1/tickets/${dispatched.id}/return`, headers: housing, payload: { reason: '不归我们管' } });
  t.equal(lateReturn.statusCode, 409, 'no return (退单) after accepting (签收)');
  t.same(await snapshot(database, dispatched.id), before);

  const replied = await seedTicket(database, names, { status: 'replied', department: 'housing' });
  const again = await app.inject({ method: 'POST', url: `/v1/tickets/${replied.id}/reply`, headers: housing, payload: { result: 'partly', reply: '补充答复' } });
  t.equal(again.statusCode, 409, 'reply twice');
});

t.test('return (退单) goes back to triage; the same department returning it again goes to a manager (督办)', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'dispatched', department: 'housing', coDepartments: ['ecology'] });
  const first = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/return`, headers: housing, payload: { reason: '噪音属于城管职责' } });
  t.equal(first.statusCode, 200, first.body);
  t.match(first.json(), { status: 'triage', department: null, coDepartments: [], replyDeadline: null });
  const [returned, triaged] = first.json().history.slice(-2);
  t.match(returned, { type: 'returned', data: { department: 'housing', reason: '噪音属于城管职责' } });
  t.match(triaged, { type: 'triaged', data: { reason: '噪音属于城管职责' } });
  const gone = await app.inject({ method: 'GET', url: `/v1/tickets/${ticket.id}`, headers: housing });
  t.equal(gone.statusCode, 404, 'a returned ticket is no longer the department’s');
  t.same(await database.db.select().from(supervisionCases).where(eq(supervisionCases.ticketId, ticket.id)), []);

  // An agent routes it to housing again.
  await seedDispatch(database, names, ticket.id, { department: 'housing' });
  const second = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/return`, headers: housing, payload: { reason: '仍不属于本单位' } });
  t.equal(second.statusCode, 200, second.body);
  t.match(second.json(), { status: 'returned', department: 'housing' });
  t.same(types(second.json()).slice(-3), ['triaged', 'dispatched', 'returned'], 'only the returned event this time');
  const cases = await database.db.select().from(supervisionCases).where(eq(supervisionCases.ticketId, ticket.id));
  t.equal(cases.length, 1, 'one supervision case');
  t.match(cases[0], { reason: 'returned_twice', departmentCode: 'housing', resolvedAt: null, detail: { reasons: ['噪音属于城管职责', '仍不属于本单位'] } });

  const other = await seedTicket(database, names, { status: 'dispatched', department: 'urban-management' });
  await app.inject({ method: 'POST', url: `/v1/tickets/${other.id}/return`, headers: keyOf('urban-management'), payload: { reason: '应由街道处理' } });
  await seedDispatch(database, names, other.id, { department: 'a3' });
  const byAnother = await app.inject({ method: 'POST', url: `/v1/tickets/${other.id}/return`, headers: keyOf('a3'), payload: { reason: '不是本区' } });
  t.equal(byAnother.json().status, 'triage', "another department's first return is an ordinary one");
});

t.test('co-handling (协办): the co department gives its part, the main department replies for all', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'dispatched', department: 'housing', coDepartments: ['ecology'] });
  const before = await snapshot(database, ticket.id);
  for (const [name, url, payload] of [
    ['accept', 'accept', undefined],
    ['return', 'return', { reason: '不是我们' }],
    ['extension', 'extension', { until: new Date(Date.now() + 90 * 86_400_000).toISOString(), reason: '要时间' }],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/${url}`, headers: ecology, ...(payload ? { payload } : {}) });
    t.equal(res.statusCode, 403, `a co department cannot ${name}`);
    t.equal(res.json().error.code, 'forbidden');
    t.match(res.json().error.message, /only the main department/);
  }
  t.same(await snapshot(database, ticket.id), before, 'refused steps change nothing');

  const early = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/progress`, headers: ecology, payload: { note: '已安排夜间噪声监测' } });
  t.equal(early.statusCode, 201, `a co department notes progress before the main one has signed: ${early.body}`);
  t.match(early.json().history.at(-1), { type: 'progressed', data: { department: 'ecology', note: '已安排夜间噪声监测' } });

  const part = await app.inject({
    method: 'POST',
    url: `/v1/tickets/${ticket.id}/reply`,
    headers: ecology,
    payload: { result: 'resolved', reply: '经监测，夜间噪声超标，已责令整改。' },
  });
  t.equal(part.statusCode, 200, part.body);
  t.equal(part.json().status, 'dispatched', 'the part of a co department does not change the status');
  t.match(part.json().history.at(-1), {
    type: 'progressed',
    actor: { role: 'department' },
    data: { department: 'ecology', note: '经监测，夜间噪声超标，已责令整改。', coHandling: true },
  });

  t.equal((await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/accept`, headers: housing })).statusCode, 200);
  const note = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/progress`, headers: ecology, payload: { note: '已复测' } });
  t.equal(note.statusCode, 201, 'a co department notes progress too');
  const main = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/reply`, headers: housing, payload: { result: 'resolved', reply: '会同生态环境局处理完毕。' } });
  t.equal(main.statusCode, 200);
  t.equal(main.json().status, 'replied');
  t.same(types(main.json()).slice(-4), ['progressed', 'accepted', 'progressed', 'replied']);
  const late = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/reply`, headers: ecology, payload: { result: 'partly', reply: '补充' } });
  t.equal(late.statusCode, 409, 'no part after the main reply');

  const inbox = await app.inject({ method: 'GET', url: '/v1/inbox?role=co', headers: ecology });
  t.ok(inbox.json().items.some((i: { id: string }) => i.id === ticket.id), 'the ticket is in the co department’s inbox');
});

t.test('the 督办 cases that chase a department close when it does the work: 签收, reply or 退单', async (t) => {
  /** A case as the dispatcher's deadline watcher opens it when a deadline passes. */
  const openCase = async (ticketId: string, department: string, reason: string) => {
    const id = uuidv7();
    await database.db.insert(supervisionCases).values({ id, ticketId, departmentCode: department, reason, detail: {}, createdAt: new Date(Date.now() - 60_000) });
    return id;
  };
  const caseRow = async (id: string) => (await database.db.select().from(supervisionCases).where(eq(supervisionCases.id, id)))[0];

  const late = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  const lateAccept = await openCase(late.id, 'housing', 'overdue_accept');
  const other = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  const otherCase = await openCase(other.id, 'housing', 'overdue_accept');
  const before = await caseRow(lateAccept);
  t.equal((await post(late.id, 'accept')).statusCode, 200);
  const settled = await caseRow(lateAccept);
  t.ok(settled?.resolvedAt, 'the late 签收 closes its overdue_accept case');
  t.equal(settled?.resolvedBy, (await apiKeyIdOf('dev-dept-housing')) ?? 'no key', "settled by the department's key");
  t.same(settled?.createdAt, before?.createdAt, 'the case keeps when it was opened');
  t.equal((await caseRow(otherCase))?.resolvedAt, null, "another ticket's case stays open");

  const lateReply = await openCase(late.id, 'housing', 'overdue_reply');
  const stillChasedElsewhere = await openCase(late.id, 'ecology', 'overdue_reply');
  t.equal((await post(late.id, 'reply', { result: 'resolved', reply: '已处理。' })).statusCode, 200);
  t.ok((await caseRow(lateReply))?.resolvedAt, 'the late reply closes its overdue_reply case');
  t.equal((await caseRow(stillChasedElsewhere))?.resolvedAt, null, "a case against another department is that department's");

  const returned = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  const returnedLate = await openCase(returned.id, 'housing', 'overdue_accept');
  const response = await post(returned.id, 'return', { reason: '不属于本单位职责' });
  t.equal(response.statusCode, 200, response.body);
  t.ok((await caseRow(returnedLate))?.resolvedAt, '退单 ends the department part, and the chasing with it');

  const twice = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  const dispute = await openCase(twice.id, 'housing', 'returned_twice');
  t.equal((await post(twice.id, 'accept')).statusCode, 200);
  t.equal((await caseRow(dispute))?.resolvedAt, null, 'a case a manager must settle is left to the manager');
});

t.test('a 签收 or reply after its deadline, before the watcher saw it, brings its overdue event and 督办 case, once', async (t) => {
  const past = new Date(Date.now() - 3_600_000);
  const historyOf = async (id: string) => (await database.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, id)).orderBy(asc(ticketEvents.seq))).map((e) => ({ type: e.type, data: e.data }));
  const casesOf = async (id: string) => database.db.select().from(supervisionCases).where(eq(supervisionCases.ticketId, id));

  const late = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  await database.db.update(tickets).set({ acceptDeadline: past, replyDeadline: past }).where(eq(tickets.id, late.id));
  t.equal((await post(late.id, 'accept')).statusCode, 200);
  t.equal((await post(late.id, 'reply', { result: 'resolved', reply: '已处理。' })).statusCode, 200);
  const history = await historyOf(late.id);
  t.same(
    history.slice(-4).map((h) => h.type),
    ['overdue', 'accepted', 'overdue', 'replied'],
    'each late action comes after the overdue of its deadline',
  );
  t.match(history.at(-4)?.data, { deadline: 'accept', due: past.toISOString(), department: 'housing' });
  t.match(history.at(-2)?.data, { deadline: 'reply', due: past.toISOString(), department: 'housing' });
  const cases = await casesOf(late.id);
  t.same(cases.map((c) => c.reason).sort(), ['overdue_accept', 'overdue_reply'], 'a 督办 case for each');
  t.ok(cases.every((c) => c.resolvedAt), 'settled at once by the action that ended the wait');

  // The watcher got there first: nothing is raised twice.
  const seen = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  await database.db.update(tickets).set({ acceptDeadline: past }).where(eq(tickets.id, seen.id));
  await database.db.insert(deadlineAlerts).values({ ticketId: seen.id, deadline: 'accept', due: past, stage: 'overdue', createdAt: new Date() });
  t.equal((await post(seen.id, 'accept')).statusCode, 200);
  t.equal((await historyOf(seen.id)).filter((h) => h.type === 'overdue').length, 0, 'no second overdue');
  t.same(await casesOf(seen.id), [], 'and no second case');

  // On time: nothing at all.
  const onTime = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  t.equal((await post(onTime.id, 'accept')).statusCode, 200);
  t.equal((await historyOf(onTime.id)).filter((h) => h.type === 'overdue').length, 0);
});
