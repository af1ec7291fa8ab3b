import { seedTicket } from '@hotline/testkit';
import type { InjectOptions } from 'fastify';
import t from 'tap';
import { buildTestDepartments, keyOf, manager, snapshot } from './helper';

const { app, database, names } = await buildTestDepartments(t);

/**
 * A department key reads and changes only its own tickets. Anyone else's ticket answers
 * exactly like a ticket that does not exist, so a key cannot even learn that it exists.
 */
t.test("another department's ticket is a 404 on every route, and stays as it was", async (t) => {
  const dispatched = await seedTicket(database, names, { status: 'dispatched', department: 'housing', coDepartments: ['ecology'] });
  const accepted = await seedTicket(database, names, { status: 'accepted', department: 'housing', coDepartments: ['ecology'] });
  const stranger = keyOf('transport');
  const until = new Date(Date.now() + 60 * 86_400_000).toISOString();

  const routes = (id: string): [string, InjectOptions][] => [
    ['read', { method: 'GET', url: `/v1/tickets/${id}` }],
    ['accept', { method: 'POST', url: `/v1/tickets/${id}/accept` }],
    ['return', { method: 'POST', url: `/v1/tickets/${id}/return`, payload: { reason: '不属于本单位职责' } }],
    ['extension', { method: 'POST', url: `/v1/tickets/${id}/extension`, payload: { until, reason: '需要现场勘查' } }],
    ['progress', { method: 'POST', url: `/v1/tickets/${id}/progress`, payload: { note: '已派人核查' } }],
    ['reply', { method: 'POST', url: `/v1/tickets/${id}/reply`, payload: { result: 'resolved', reply: '已处理' } }],
  ];
  const missing = '0190b2c4-0000-7000-8000-000000000000';
  const nobody = await app.inject({ ...routes(missing)[0]![1], headers: stranger });

  for (const ticket of [dispatched, accepted]) {
    const before = await snapshot(database, ticket.id);
    for (const [name, request] of routes(ticket.id)) {
      const res = await app.inject({ ...request, headers: stranger });
      t.equal(res.statusCode, 404, `${name} of a ${ticket.status} ticket`);
      t.same(res.json(), nobody.json(), `${name}: the same answer as for a ticket that does not exist`);
    }
    // The decision route is for managers: a department key is refused before any ticket is looked at.
    const decision = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/extension/decision`, headers: stranger, payload: { approve: true } });
    t.equal(decision.statusCode, 403);
    t.same(await snapshot(database, ticket.id), before, `the ${ticket.status} ticket is unchanged`);
  }

  const inbox = await app.inject({ method: 'GET', url: '/v1/inbox', headers: stranger });
  t.equal(inbox.statusCode, 200);
  t.same(inbox.json().items, [], "another department's tickets are not in the inbox");

  for (const department of ['housing', 'ecology']) {
    const own = await app.inject({ method: 'GET', url: `/v1/tickets/${dispatched.id}`, headers: keyOf(department) });
    t.equal(own.statusCode, 200, `${department} (main or co) reads it`);
  }
  const asManager = await app.inject({ method: 'GET', url: `/v1/tickets/${dispatched.id}`, headers: manager });
  t.equal(asManager.statusCode, 200, 'a manager reads every ticket');
});

t.test('a ticket only suggested for a department, not yet dispatched to it, is not its ticket', async (t) => {
  const classified = await seedTicket(database, names, { status: 'classified', department: 'market' });
  t.equal(classified.departmentCode, 'market', 'the classifier wrote its suggestion');
  const res = await app.inject({ method: 'GET', url: `/v1/tickets/${classified.id}`, headers: keyOf('market') });
  t.equal(res.statusCode, 404);
  const accept = await app.inject({ method: 'POST', url: `/v1/tickets/${classified.id}/accept`, headers: keyOf('market') });
  t.equal(accept.statusCode, 404);
  const inbox = await app.inject({ method: 'GET', url: '/v1/inbox', headers: keyOf('market') });
  t.same(inbox.json().items, []);
});

t.test('keys: none is a 401, an agent key is a 403 on department routes', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'dispatched' });
  const anonymous = await app.inject({ method: 'GET', url: '/v1/inbox' });
  t.equal(anonymous.statusCode, 401);
  const agent = { authorization: 'Bearer dev-agent' };
  for (const request of [
    { method: 'GET', url: '/v1/inbox' },
    { method: 'GET', url: `/v1/tickets/${ticket.id}` },
    { method: 'POST', url: `/v1/tickets/${ticket.id}/accept` },
  ] as const) {
    const res = await app.inject({ ...request, headers: agent });
    t.equal(res.statusCode, 403, `${request.method} ${request.url}`);
    t.equal(res.json().error.code, 'forbidden');
  }
  const managerAccept = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/accept`, headers: manager });
  t.equal(managerAccept.statusCode, 403, 'only the department signs for its ticket');
});
