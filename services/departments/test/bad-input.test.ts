import { extensionRequests, outbox } from '@hotline/db';
import { seedTicket } from '@hotline/testkit';
import type { InjectOptions } from 'fastify';
import t from 'tap';
import { buildTestDepartments, keyOf, manager, snapshot } from './helper';

const { app, database, names } = await buildTestDepartments(t);

/** Every refused request names the field and leaves the ticket, its history and the outbox as they were. */
t.test('bad input is a 400 naming the field, and changes nothing', async (t) => {
  const dispatched = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  const accepted = await seedTicket(database, names, { status: 'accepted', department: 'housing' });
  const housing = keyOf('housing');
  const later = new Date((accepted.replyDeadline as Date).getTime() + 86_400_000).toISOString();
  const before = [await snapshot(database, dispatched.id), await snapshot(database, accepted.id)];
  const outboxBefore = (await database.db.select().from(outbox)).length;

  const post = (id: string, path: string, payload: unknown, headers = housing): InjectOptions => ({
    method: 'POST',
    url: `/v1/tickets/${id}/${path}`,
    headers,
    payload: payload as InjectOptions['payload'],
  });
  const cases: { name: string; field: RegExp; request: InjectOptions }[] = [
    { name: 'blank return reason', field: /^reason$/, request: post(dispatched.id, 'return', { reason: '   ' }) },
    { name: 'missing return reason', field: /^reason$/, request: post(dispatched.id, 'return', {}) },
    { name: 'unknown reply result', field: /^result$/, request: post(accepted.id, 'reply', { result: 'done', reply: '已处理' }) },
    { name: 'blank reply text', field: /^reply$/, request: post(accepted.id, 'reply', { result: 'resolved', reply: ' ' }) },
    { name: 'malformed until', field: /^until$/, request: post(accepted.id, 'extension', { until: '下周五', reason: '需要时间' }) },
    { name: 'until without an offset', field: /^until$/, request: post(accepted.id, 'extension', { until: later.replace('Z', ''), reason: '需要时间' }) },
    { name: 'blank extension reason', field: /^reason$/, request: post(accepted.id, 'extension', { until: later, reason: '' }) },
    { name: 'approve not a boolean', field: /^approve$/, request: post(accepted.id, 'extension/decision', { approve: 'yes' }, manager) },
    { name: 'blank progress note', field: /^note$/, request: post(accepted.id, 'progress', { note: '\n' }) },
    { name: 'unknown field', field: /^body: .*urgent/, request: post(accepted.id, 'progress', { note: '进展', urgent: true }) },
    { name: 'non-uuid id on accept', field: /^params\.id$/, request: post('12345', 'accept', undefined) },
    { name: 'non-uuid id on read', field: /^params\.id$/, request: { method: 'GET', url: '/v1/tickets/not-a-ticket', headers: housing } },
    { name: 'unknown inbox role', field: /^querystring\.role$/, request: { method: 'GET', url: '/v1/inbox?role=boss', headers: housing } },
    { name: 'overdue not true or false', field: /^querystring\.overdue$/, request: { method: 'GET', url: '/v1/inbox?overdue=maybe', headers: housing } },
    { name: 'malformed from date', field: /^querystring\.from$/, request: { method: 'GET', url: '/v1/inbox?from=2026-13-01', headers: housing } },
  ];
  for (const c of cases) {
    const res = await app.inject(c.request);
    t.equal(res.statusCode, 400, `${c.name}: ${res.body}`);
    const error = res.json().error;
    t.equal(error.code, 'validation_failed', c.name);
    t.ok(
      error.details.fields.some((f: { field: string; message: string }) => c.field.test(f.field) || c.field.test(`${f.field}: ${f.message}`)),
      `${c.name} names ${c.field}: ${JSON.stringify(error.details.fields)}`,
    );
  }

  t.same([await snapshot(database, dispatched.id), await snapshot(database, accepted.id)], before);
  t.equal((await database.db.select().from(outbox)).length, outboxBefore, 'no event was written');
  t.same(await database.db.select().from(extensionRequests), []);
});

t.test('the OpenAPI document describes the department routes', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const paths = Object.keys(res.json().paths);
  for (const path of [
    '/v1/inbox',
    '/v1/tickets/{id}',
    '/v1/tickets/{id}/accept',
    '/v1/tickets/{id}/return',
    '/v1/tickets/{id}/extension',
    '/v1/tickets/{id}/extension/decision',
    '/v1/tickets/{id}/progress',
    '/v1/tickets/{id}/reply',
  ]) {
    t.ok(paths.includes(path), path);
  }
});
