import { extensionRequests } from '@hotline/db';
import { seedTicket } from '@hotline/testkit';
import { eq } from 'drizzle-orm';
import t from 'tap';
import { buildTestDepartments, keyOf, manager, snapshot } from './helper';

const { app, database, names } = await buildTestDepartments(t);
const housing = keyOf('housing');
const DAY_MS = 86_400_000;

const ask = (id: string, until: Date | string, reason = '需协调多个部门现场勘查') =>
  app.inject({
    method: 'POST',
    url: `/v1/tickets/${id}/extension`,
    headers: housing,
    payload: { until: typeof until === 'string' ? until : until.toISOString(), reason },
  });
const decide = (id: string, approve: boolean, headers = manager) =>
  app.inject({ method: 'POST', url: `/v1/tickets/${id}/extension/decision`, headers, payload: { approve } });

t.test('an approved extension (延期) moves the reply deadline', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'accepted', department: 'housing' });
  const until = new Date((ticket.replyDeadline as Date).getTime() + 5 * DAY_MS);
  const asked = await ask(ticket.id, until.toISOString().replace('Z', '+00:00'));
  t.equal(asked.statusCode, 201, asked.body);
  t.match(asked.json().extension, { status: 'pending', department: 'housing', until: until.toISOString(), decidedAt: null });
  t.equal(asked.json().ticket.replyDeadline, (ticket.replyDeadline as Date).toISOString(), 'the deadline waits for the decision');
  t.match(asked.json().ticket.history.at(-1), { type: 'extension_requested', data: { department: 'housing', until: until.toISOString() } });

  const byDepartment = await decide(ticket.id, true, housing);
  t.equal(byDepartment.statusCode, 403, 'a department does not decide its own extension');
  t.equal(byDepartment.json().error.code, 'forbidden');

  const approved = await decide(ticket.id, true);
  t.equal(approved.statusCode, 200, approved.body);
  t.match(approved.json().extension, { status: 'approved', decidedBy: String });
  t.equal(approved.json().ticket.replyDeadline, until.toISOString());
  t.match(approved.json().ticket.history.at(-1), { type: 'extension_decided', actor: { role: 'manager' }, data: { approve: true, until: until.toISOString() } });

  const none = await decide(ticket.id, true);
  t.equal(none.statusCode, 409, 'nothing left to decide');
});

t.test('a refused extension keeps the deadline', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  t.equal((await ask(ticket.id, new Date((ticket.replyDeadline as Date).getTime() + DAY_MS))).statusCode, 201, 'asked before 签收 too');
  const refused = await decide(ticket.id, false);
  t.equal(refused.statusCode, 200, refused.body);
  t.equal(refused.json().extension.status, 'refused');
  t.equal(refused.json().ticket.replyDeadline, (ticket.replyDeadline as Date).toISOString());
  t.match(refused.json().ticket.history.at(-1), { type: 'extension_decided', data: { approve: false, until: null } });
  t.equal((await ask(ticket.id, new Date((ticket.replyDeadline as Date).getTime() + 2 * DAY_MS))).statusCode, 201, 'and may ask again');
});

t.test('refused requests: a second pending one, one after the deadline, one not later than the deadline', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'accepted', department: 'housing' });
  const later = new Date((ticket.replyDeadline as Date).getTime() + 3 * DAY_MS);
  t.equal((await ask(ticket.id, later)).statusCode, 201);
  let before = await snapshot(database, ticket.id);
  const second = await ask(ticket.id, new Date(later.getTime() + DAY_MS));
  t.equal(second.statusCode, 409, 'one request waits at a time');
  t.equal(second.json().error.code, 'conflict');
  t.same(await snapshot(database, ticket.id), before);
  t.equal((await database.db.select().from(extensionRequests).where(eq(extensionRequests.ticketId, ticket.id))).length, 1);

  const overdue = await seedTicket(database, names, { status: 'accepted', department: 'housing', now: new Date(Date.now() - 60 * DAY_MS) });
  before = await snapshot(database, overdue.id);
  const tooLate = await ask(overdue.id, new Date(Date.now() + 10 * DAY_MS));
  t.equal(tooLate.statusCode, 409, 'extension after the deadline');
  t.match(tooLate.json().error.message, /extension after the deadline/);
  t.same(await snapshot(database, overdue.id), before, 'the overdue ticket is unchanged');

  const fresh = await seedTicket(database, names, { status: 'accepted', department: 'housing' });
  const earlier = await ask(fresh.id, new Date((fresh.replyDeadline as Date).getTime() - DAY_MS));
  t.equal(earlier.statusCode, 400, 'until must be after the current deadline');
  t.match(earlier.json().error, { code: 'validation_failed', details: { fields: [{ field: 'until' }] } });

  const replied = await seedTicket(database, names, { status: 'replied', department: 'housing' });
  const afterReply = await ask(replied.id, new Date(Date.now() + 30 * DAY_MS));
  t.equal(afterReply.statusCode, 409, 'a replied ticket needs no more time');
  t.equal(afterReply.json().error.code, 'illegal_transition');
});

t.test('a reply withdraws the waiting request, so no manager decides a finished ticket', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'accepted', department: 'housing' });
  const asked = await ask(ticket.id, new Date((ticket.replyDeadline as Date).getTime() + DAY_MS));
  await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/reply`, headers: housing, payload: { result: 'explained', reply: '已向市民解释政策。' } });
  const [row] = await database.db.select().from(extensionRequests).where(eq(extensionRequests.id, asked.json().extension.id));
  t.equal(row?.status, 'withdrawn');
  t.equal((await decide(ticket.id, true)).statusCode, 409);
});

t.test('a request whose time has passed while it waited cannot be approved, only refused', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'accepted', department: 'housing' });
  const until = new Date((ticket.replyDeadline as Date).getTime() + 5 * DAY_MS);
  t.equal((await ask(ticket.id, until)).statusCode, 201);
  // The manager decides only after the day asked for (moved back here instead of waiting for it).
  const past = new Date(Date.now() - DAY_MS);
  await database.db.update(extensionRequests).set({ until: past }).where(eq(extensionRequests.ticketId, ticket.id));
  const before = await snapshot(database, ticket.id);

  const approved = await decide(ticket.id, true);
  t.equal(approved.statusCode, 409, approved.body);
  t.equal(approved.json().error.code, 'conflict');
  t.match(approved.json().error.message, /has already passed: refuse the request; the ticket is overdue/);
  t.same(await snapshot(database, ticket.id), before, 'the deadline and the history are as they were');

  const refused = await decide(ticket.id, false);
  t.equal(refused.statusCode, 200, refused.body);
  t.equal(refused.json().extension.status, 'refused');
});
