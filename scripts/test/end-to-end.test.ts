/**
 * The ticket's whole journey through the four services, on the real PostgreSQL and NATS:
 * an agent records it at intake, the classifier's consumer classifies it, the dispatcher's
 * consumer routes it through the catalogue, each department's system takes its work from
 * its own durable on hotline.dispatch.<code>, and the department's clerk accepts and replies
 * through the departments API. Return (退单) and extension (延期) travel the same way.
 */
import type { Bus } from '@hotline/bus';
import { buildClassifierApp, loadClassifierConfig } from '@hotline/classifier-service';
import { DispatchMessage } from '@hotline/contracts';
import { supervisionCases } from '@hotline/db';
import { buildDepartmentsApp, loadDepartmentsConfig } from '@hotline/departments';
import { buildDispatcherApp, loadDispatcherConfig } from '@hotline/dispatcher';
import { buildIntakeApp, loadIntakeConfig } from '@hotline/intake';
import type { Service } from '@hotline/server';
import { Cleanup, createTestBus, createTestDatabase, NATS_URL, sleep, testLogger, uniqueName } from '@hotline/testkit';
import { eq } from 'drizzle-orm';
import t from 'tap';

const agent = { authorization: 'Bearer dev-agent' };
const manager = { authorization: 'Bearer dev-manager' };
const clerk = (code: string) => ({ authorization: `Bearer dev-dept-${code}` });

const cleanup = new Cleanup(t);
const database = await createTestDatabase(cleanup);
const bus = await createTestBus(cleanup, uniqueName('e2e'));
const env = { DATABASE_URL: database.url, NATS_URL, NATS_PREFIX: bus.prefix, LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '4' };
async function start<A extends Service>(app: Promise<A>): Promise<A> {
  const built = await app;
  cleanup.teardown(() => built.close());
  await built.ready();
  return built;
}
// The tests pick texts the model is sure of; 0.5 keeps them from hanging on its exact figures.
// The classifier first: loading its model blocks this process for a second, which the other
// services' back-pressure, were it already sampling, would read as overload and answer 503.
await start(buildClassifierApp(loadClassifierConfig({ ...env, CLASSIFIER_THRESHOLD: '0.5' }), testLogger));
const intake = await start(buildIntakeApp(loadIntakeConfig(env), testLogger));
const dispatcher = await start(buildDispatcherApp(loadDispatcherConfig({ ...env, WATCH_INTERVAL_MS: '3600000' }), testLogger));
const departments = await start(buildDepartmentsApp(loadDepartmentsConfig(env), testLogger));

async function record(body: Record<string, unknown>): Promise<string> {
  const res = await intake.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { channel: 'phone', type: 'complaint', ...body } });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().id;
}

async function ticket(id: string) {
  return (await intake.inject({ method: 'GET', url: `/v1/tickets/${id}`, headers: agent })).json();
}

async function waitForStatus(id: string, status: string) {
  const until = Date.now() + 20_000;
  for (;;) {
    const current = await ticket(id);
    if (current.status === status) return current;
    if (Date.now() > until) throw new Error(`ticket ${id} is ${current.status}, not ${status}`);
    await sleep(50);
  }
}

/** What a department's own system pulls from its durable, acknowledging each message. */
async function pullWork(b: Bus, code: string, ticketId: string): Promise<DispatchMessage[]> {
  const consumer = await b.js.consumers.get(b.names.dispatch, `dept-${code}`);
  const mine: DispatchMessage[] = [];
  const until = Date.now() + 15_000;
  while (mine.length === 0 && Date.now() < until) {
    const batch = await consumer.fetch({ max_messages: 50, expires: 1_000 });
    for await (const m of batch) {
      const message = DispatchMessage.parse(m.json());
      if (message.ticketId === ticketId) mine.push(message);
      m.ack();
    }
  }
  return mine;
}

const types = (body: { history: { type: string }[] }) => body.history.map((h) => h.type);

t.test('received, classified, dispatched to the district with housing co-handling, taken from NATS, accepted, replied', async (t) => {
  const id = await record({
    caller: { name: '王女士', phone: '13812341234' },
    location: { district: 'A3区' },
    title: '小区门口道路破损积水',
    content: 'A市A3区某小区门口的市政道路破损严重，下雨后大面积积水，居民出行很不方便，请尽快维修道路。',
  });
  const dispatched = await waitForStatus(id, 'dispatched');
  t.match(dispatched, { category: '01', department: 'a3', coDepartments: ['housing'] }, '城乡建设 in A3区: the district government with housing co-handling');
  t.ok(dispatched.acceptDeadline && dispatched.replyDeadline, 'deadlines set');

  const [main] = await pullWork(bus, 'a3', id);
  t.match(main, { ticketId: id, department: 'a3', role: 'main', replyDeadline: dispatched.replyDeadline });
  t.equal(main?.ticket.caller.phone, '138****1234', 'the district government gets the masked number');
  const [co] = await pullWork(bus, 'housing', id);
  t.match(co, { ticketId: id, department: 'housing', role: 'co' });

  const inbox = (await departments.inject({ method: 'GET', url: '/v1/inbox', headers: clerk('a3') })).json();
  t.ok(inbox.items.some((i: { id: string }) => i.id === id), 'in the district clerk’s inbox');

  const part = await departments.inject({ method: 'POST', url: `/v1/tickets/${id}/reply`, headers: clerk('housing'), payload: { result: 'resolved', reply: '已安排市政养护单位修补路面。' } });
  t.equal(part.statusCode, 200, 'the co-handling department gives its part');
  t.equal((await departments.inject({ method: 'POST', url: `/v1/tickets/${id}/accept`, headers: clerk('a3') })).statusCode, 200);
  const replied = await departments.inject({ method: 'POST', url: `/v1/tickets/${id}/reply`, headers: clerk('a3'), payload: { result: 'resolved', reply: '道路已修复，积水问题已解决。' } });
  t.equal(replied.statusCode, 200, replied.body);
  const final = await ticket(id);
  t.equal(final.status, 'replied');
  t.same(types(final), ['received', 'classified', 'dispatched', 'progressed', 'accepted', 'replied'], 'every step in the history, in order');
});

t.test('return (退单) goes back to triage with the reason; the agent re-routes; a second return goes to a manager', async (t) => {
  const id = await record({
    title: '学校违规收取补课费',
    content: '我孩子所在的初中利用周末组织学生集体补课，每人收取补课费八百元，老师说不参加就不给上课，请教育局查处学校违规收费。',
  });
  const dispatched = await waitForStatus(id, 'dispatched');
  t.equal(dispatched.department, 'education');
  t.equal((await pullWork(bus, 'education', id)).length, 1);

  const first = await departments.inject({ method: 'POST', url: `/v1/tickets/${id}/return`, headers: clerk('education'), payload: { reason: '收费问题请转市场监管局' } });
  t.equal(first.statusCode, 200, first.body);
  const triaged = await ticket(id);
  t.equal(triaged.status, 'triage');
  t.match(triaged.history.at(-1), { type: 'triaged', data: { reason: '收费问题请转市场监管局' } });

  const again = await dispatcher.inject({ method: 'POST', url: `/v1/tickets/${id}/dispatch`, headers: agent, payload: { department: 'education' } });
  t.equal(again.statusCode, 200, again.body);
  t.equal((await pullWork(bus, 'education', id)).length, 1, 'the department gets it again from NATS');
  const second = await departments.inject({ method: 'POST', url: `/v1/tickets/${id}/return`, headers: clerk('education'), payload: { reason: '仍不属于本单位' } });
  t.equal(second.statusCode, 200);
  t.equal(second.json().status, 'returned', 'returned twice by one department: a manager decides');
  const cases = await database.db.select().from(supervisionCases).where(eq(supervisionCases.ticketId, id));
  t.match(cases, [{ reason: 'returned_twice', departmentCode: 'education' }]);
  t.same(types(await ticket(id)), ['received', 'classified', 'dispatched', 'returned', 'triaged', 'dispatched', 'returned']);
});

t.test('extension (延期): requested by the department, approved by a manager, the reply deadline moves', async (t) => {
  const id = await record({
    title: '小学教师绩效工资未发放',
    content: '我是A市的一名小学老师，学校今年的绩效工资迟迟没有发放，教师的课时补贴也被取消，请教育局核查学校的经费使用情况。',
  });
  const dispatched = await waitForStatus(id, 'dispatched');
  t.equal((await pullWork(bus, dispatched.department, id)).length, 1);
  t.equal((await departments.inject({ method: 'POST', url: `/v1/tickets/${id}/accept`, headers: clerk(dispatched.department) })).statusCode, 200);
  const until = new Date(new Date(dispatched.replyDeadline).getTime() + 10 * 86_400_000).toISOString();
  const asked = await departments.inject({ method: 'POST', url: `/v1/tickets/${id}/extension`, headers: clerk(dispatched.department), payload: { until, reason: '需财政部门配合核查' } });
  t.equal(asked.statusCode, 201, asked.body);
  const decided = await departments.inject({ method: 'POST', url: `/v1/tickets/${id}/extension/decision`, headers: manager, payload: { approve: true } });
  t.equal(decided.statusCode, 200, decided.body);
  const extended = await ticket(id);
  t.equal(extended.replyDeadline, until, 'the reply deadline is the approved date');
  const replied = await departments.inject({ method: 'POST', url: `/v1/tickets/${id}/reply`, headers: clerk(dispatched.department), payload: { result: 'partly', reply: '已督促学校补发绩效工资。' } });
  t.equal(replied.statusCode, 200);
  t.same(types(await ticket(id)), ['received', 'classified', 'dispatched', 'accepted', 'extension_requested', 'extension_decided', 'replied']);
});
