import { DispatchMessage } from '@hotline/contracts';
import { supervisionCases, tickets } from '@hotline/db';
import { buildDepartmentsApp, loadDepartmentsConfig } from '@hotline/departments';
import { buildDispatcherApp, loadDispatcherConfig } from '@hotline/dispatcher';
import { seedTicket, sleep, testLogger } from '@hotline/testkit';
import { eq } from 'drizzle-orm';
import t from 'tap';
import { agent, buildTestCallback, callbackOf, departmentKey, manager, statusOf } from './helper';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

t.test('重办: not solved, reopened to the same department, replied again; the second reopen goes to a manager', async (t) => {
  const { app, database, names, bus, common, cleanup } = await buildTestCallback(t);
  const dispatcher = await buildDispatcherApp(loadDispatcherConfig({ ...common, WATCH_INTERVAL_MS: '3600000' }), testLogger);
  cleanup.teardown(() => dispatcher.close());
  await dispatcher.ready();
  const departments = await buildDepartmentsApp(loadDepartmentsConfig(common), testLogger);
  cleanup.teardown(() => departments.close());
  const db = database.db;
  const clerk = departmentKey('housing');

  const ticket = await seedTicket(database, names, { status: 'replied', department: 'housing', now: new Date(Date.now() - 7 * 86_400_000) });
  const first = await waitFor('the first callback', () => callbackOf(db, ticket.id));
  const ask = (payload: object) => app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/callback`, headers: agent, payload });
  const unsolved = { reached: true, resolved: 'unresolved', satisfaction: 'dissatisfied', reopen: true, comment: '夜里还在施工' };

  const reopened = await ask(unsolved);
  t.equal(reopened.statusCode, 200, reopened.body);
  t.same(reopened.json(), { ticketId: ticket.id, status: 'reopened', outcome: 'reopened', cycle: 2, attempts: 0, supervision: false });
  t.equal((await callbackOf(db, ticket.id))?.id, first.id);

  const redispatched = await waitFor('the dispatch of the reopened ticket', async () => {
    const [row] = await db.select().from(tickets).where(eq(tickets.id, ticket.id));
    return row?.status === 'dispatched' ? row : null;
  });
  t.equal(redispatched.departmentCode, 'housing', 'back to the department that replied');
  t.ok(redispatched.replyDeadline! > ticket.replyDeadline!, 'with a fresh reply deadline');

  const durable = await bus.js.consumers.get(names.dispatch, 'dept-housing');
  const batch = await durable.fetch({ max_messages: 5, expires: 2000 });
  const work: DispatchMessage[] = [];
  for await (const m of batch) {
    work.push(DispatchMessage.parse(m.json()));
    m.ack();
    if (work.length === 1) break;
  }
  t.equal(work.length, 1, 'the department takes it from its own subject');
  t.same(work[0]?.reopen, { cycle: 2, comment: '夜里还在施工' }, "with the cycle and the citizen's comment");

  t.equal((await departments.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/accept`, headers: clerk })).statusCode, 200);
  const replied = await departments.inject({
    method: 'POST',
    url: `/v1/tickets/${ticket.id}/reply`,
    headers: clerk,
    payload: { result: 'partly', reply: '已约谈施工单位，夜间施工减少。' },
  });
  t.equal(replied.statusCode, 200, replied.body);
  const second = await waitFor('the second callback', async () => {
    const row = await callbackOf(db, ticket.id);
    return row && row.id !== first.id ? row : null;
  });
  t.equal(second.cycle, 2, 'the callback asks about the second cycle');
  const listed = await app.inject({ method: 'GET', url: '/v1/callbacks', headers: agent });
  t.match(listed.json().items[0], { ticketId: ticket.id, cycle: 2, reply: { result: 'partly', text: '已约谈施工单位，夜间施工减少。' } });

  const again = await ask({ ...unsolved, comment: '还是吵' });
  t.same(again.json(), { ticketId: ticket.id, status: 'reopened', outcome: 'reopened', cycle: 3, attempts: 0, supervision: true });
  const cases = await db.select().from(supervisionCases).where(eq(supervisionCases.ticketId, ticket.id));
  t.equal(cases.length, 1);
  t.match(cases[0], { reason: 'reopen_limit', departmentCode: 'housing', detail: { cycle: 3, comment: '还是吵' }, resolvedAt: null });
  await sleep(1500);
  t.equal(await statusOf(db, ticket.id), 'reopened', 'past the limit nothing dispatches it automatically');

  const byAgent = await dispatcher.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/dispatch`, headers: agent, payload: {} });
  t.equal(byAgent.statusCode, 403, 'a manager decides (督办)');
  const byManager = await dispatcher.inject({
    method: 'POST',
    url: `/v1/tickets/${ticket.id}/dispatch`,
    headers: manager,
    payload: { department: 'housing', coDepartments: ['urban-management'] },
  });
  t.equal(byManager.statusCode, 200, byManager.body);
  t.equal(byManager.json().status, 'dispatched');
  const [resolved] = await db.select().from(supervisionCases).where(eq(supervisionCases.ticketId, ticket.id));
  t.ok(resolved?.resolvedAt, 'the case is closed by the dispatch');
});
