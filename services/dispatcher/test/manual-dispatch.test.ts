import { firstLevelCategories } from '@hotline/catalogue';
import { apiKeys, appendTicketEvents, hashApiKey, newTicketEvent, supervisionCases, ticketEvents, tickets } from '@hotline/db';
import { asc, eq, sql } from 'drizzle-orm';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import {
  agent,
  appendAs,
  buildTestDispatcher,
  createTicket,
  departmentKey,
  manager,
  sampleTicket,
  TestClock,
  ticketRow,
  waitForStatus,
} from './helper';

const MONDAY_1000 = new Date('2026-11-23T10:00:00+08:00');

t.test('an agent routes by hand: named departments or the catalogue; bad input 400, wrong state 409, nothing written', async (t) => {
  // Threshold 1: the model is never sure enough, so every ticket waits in triage for an agent.
  const { intake, dispatcher, database } = await buildTestDispatcher(t, { clock: new TestClock(MONDAY_1000), classifierThreshold: 1 });
  const dispatch = (id: string, payload?: object, headers: Record<string, string> = agent) =>
    dispatcher.inject({ method: 'POST', url: `/v1/tickets/${id}/dispatch`, headers, ...(payload ? { payload } : {}) });

  const triaged = await createTicket(intake);
  const before = await waitForStatus(database.db, triaged, 'triage');

  const unknown = await dispatch(triaged, { department: 'nobody' });
  t.equal(unknown.statusCode, 400);
  t.match(unknown.json().error, { code: 'validation_failed', message: /department/, details: { fields: [{ field: 'department' }] } });
  const unknownCo = await dispatch(triaged, { department: 'housing', coDepartments: ['a3', 'nobody'] });
  t.equal(unknownCo.statusCode, 400);
  t.match(unknownCo.json().error.details.fields, [{ field: 'coDepartments[1]' }]);
  const badCategory = await dispatch(triaged, { category: '99.99' });
  t.equal(badCategory.statusCode, 400);
  t.match(badCategory.json().error.details.fields, [{ field: 'category' }]);
  t.equal((await dispatch(triaged, { department: 'housing' }, departmentKey('housing'))).statusCode, 403, 'departments do not dispatch');
  t.equal((await dispatcher.inject({ method: 'POST', url: `/v1/tickets/${triaged}/dispatch` })).statusCode, 401);
  t.same(await ticketRow(database.db, triaged), before, 'refused requests change nothing');

  const res = await dispatch(triaged, { department: 'housing', coDepartments: ['a3'] });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.match(body, {
    id: triaged,
    status: 'dispatched',
    department: 'housing',
    coDepartments: ['a3'],
    catalogueVersion: null,
    dispatchedAt: MONDAY_1000.toISOString(),
    acceptDeadline: '2026-11-23T04:00:00.000Z',
    caller: { phone: '13812341234' },
  });
  t.match(body.history.at(-1), { type: 'dispatched', data: { department: 'housing', catalogueVersion: null }, actor: { role: 'agent' } });

  const again = await dispatch(triaged, { department: 'water' });
  t.equal(again.statusCode, 409, 'a dispatched ticket cannot be dispatched again');
  t.equal(again.json().error.code, 'illegal_transition');
  // 直接答复: an agent answered the consultation on the phone; there is nothing left to dispatch.
  const answered = await createTicket(intake, { ...sampleTicket, type: 'consultation', content: '请问居住证在哪里办理？' });
  await waitForStatus(database.db, answered, 'triage');
  const answer = await intake.inject({ method: 'POST', url: `/v1/tickets/${answered}/answer`, headers: agent, payload: { answer: '可到所在街道派出所办理。' } });
  t.equal(answer.statusCode, 200);
  const answeredRow = await ticketRow(database.db, answered);
  const late = await dispatch(answered, { department: 'housing' });
  t.equal(late.statusCode, 409, 'an answered ticket is done');
  t.match(late.json().error, { code: 'illegal_transition', details: { status: 'answered', event: 'dispatched' } });
  t.same(await ticketRow(database.db, answered), answeredRow, 'and stays as it was');
  t.equal((await dispatch(uuidv7(), { department: 'housing' })).statusCode, 404);

  // A catalogue with nothing for this ticket, whatever category the model guessed for it.
  const vague = await createTicket(intake, { ...sampleTicket, title: '反映问题', content: '我要反映一个问题，请相关部门联系我。' });
  const vagueRow = await waitForStatus(database.db, vague, 'triage');
  const other = firstLevelCategories.find((c) => c.code !== vagueRow.categoryCode?.split('.')[0])!;
  const narrow = await dispatcher.inject({
    method: 'PUT',
    url: '/v1/catalogue',
    headers: manager,
    payload: {
      rules: [
        { name: '路灯', keywords: ['路灯'], main: 'a5', co: [] },
        { name: `${other.name}属地`, categories: [other.name], districts: ['A3区'], main: 'a3', co: ['gov-office'] },
      ],
    },
  });
  t.equal(narrow.statusCode, 201);
  const noRule = await dispatch(vague);
  t.equal(noRule.statusCode, 409);
  t.match(noRule.json().error, { code: 'conflict', message: 'no catalogue rule matches; dispatch by hand with a department' });
  t.same(await ticketRow(database.db, vague), vagueRow);
  const byCategory = await dispatch(vague, { category: other.name });
  t.equal(byCategory.statusCode, 200, byCategory.body);
  t.match(byCategory.json(), { department: 'a3', coDepartments: ['gov-office'], catalogueVersion: 2, category: other.code, location: { district: 'A3区' } });
});

t.test('a ticket returned twice is a manager’s to dispatch, which resolves its supervision case', async (t) => {
  const { intake, dispatcher, database, bus } = await buildTestDispatcher(t, { clock: new TestClock(MONDAY_1000), classifierThreshold: 1 });
  const id = await createTicket(intake);
  await waitForStatus(database.db, id, 'triage');
  const first = await dispatcher.inject({ method: 'POST', url: `/v1/tickets/${id}/dispatch`, headers: agent, payload: { department: 'housing' } });
  t.equal(first.statusCode, 200);
  // What the departments service does on the second return by the same department.
  const ctx = { actor: { role: 'department' as const, id: 'housing-clerk' }, requestId: null };
  await appendAs(database.db, bus.names, id, [newTicketEvent(id, 'returned', { department: 'housing', reason: '不属于本单位职责' }, ctx)]);
  const caseId = uuidv7();
  await database.db.insert(supervisionCases).values({ id: caseId, ticketId: id, departmentCode: 'housing', reason: 'returned_twice' });

  const listed = await dispatcher.inject({ method: 'GET', url: '/v1/supervision', headers: manager });
  t.equal(listed.statusCode, 200);
  t.match(listed.json().items, [{ id: caseId, ticketId: id, department: 'housing', reason: 'returned_twice' }]);

  const byAgent = await dispatcher.inject({ method: 'POST', url: `/v1/tickets/${id}/dispatch`, headers: agent, payload: { department: 'a3' } });
  t.equal(byAgent.statusCode, 403);
  t.equal((await ticketRow(database.db, id)).status, 'returned');

  const byManager = await dispatcher.inject({ method: 'POST', url: `/v1/tickets/${id}/dispatch`, headers: manager, payload: { department: 'a3' } });
  t.equal(byManager.statusCode, 200, byManager.body);
  t.match(byManager.json(), { status: 'dispatched', department: 'a3', caller: { phone: '138****1234' } });
  const [managerKey] = await database.db.select().from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey('dev-manager')));
  const [resolved] = await database.db.select().from(supervisionCases).where(eq(supervisionCases.id, caseId));
  t.equal(resolved?.resolvedAt?.toISOString(), MONDAY_1000.toISOString());
  t.equal(resolved?.resolvedBy, managerKey?.id);
  t.same((await dispatcher.inject({ method: 'GET', url: '/v1/supervision', headers: manager })).json().items, [], 'no longer open');
  t.equal((await dispatcher.inject({ method: 'GET', url: '/v1/supervision', headers: agent })).statusCode, 403);
});

t.test('a note written while an agent dispatches does not fail the dispatch: it is decided again on the ticket as stored', async (t) => {
  const { intake, dispatcher, database, bus } = await buildTestDispatcher(t, { clock: new TestClock(MONDAY_1000), classifierThreshold: 1 });
  const id = await createTicket(intake);
  await waitForStatus(database.db, id, 'triage');
  const note = newTicketEvent(id, 'noted', { note: '市民来电补充：凌晨两点仍在施工' }, { actor: { role: 'agent', id: 'agent-2' }, requestId: null });
  const { pending } = await database.db.transaction(async (tx) => {
    // Another agent holds the ticket: the dispatch reads it (reads take no lock), decides, and its write waits.
    const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, id)).for('update');
    const pending = dispatcher.inject({ method: 'POST', url: `/v1/tickets/${id}/dispatch`, headers: agent, payload: { department: 'housing' } });
    for (let waited = 0; ; waited += 20) {
      const [waiting] = await database.db.execute<{ n: number }>(
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if ((waiting?.n ?? 0) > 0) break;
      if (waited > 10_000) throw new Error('the dispatch never waited for the ticket');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The other agent's note moves the ticket's version on before the dispatch's write gets it.
    await appendTicketEvents(tx, bus.names, { id, status: 'triage', version: ticket?.version ?? 0 }, [note]);
    return { pending };
  });
  const res = await pending;
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { status: 'dispatched', department: 'housing' });
  const history = await database.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, id)).orderBy(asc(ticketEvents.seq));
  t.same(
    history.map((h) => h.type),
    ['received', 'triaged', 'noted', 'dispatched'],
    'the note kept, one dispatch after it',
  );
  t.equal((await ticketRow(database.db, id)).version, 4);
});
