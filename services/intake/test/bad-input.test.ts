import { ticketEvents, tickets, outbox } from '@hotline/db';
import type { InjectOptions } from 'fastify';
import t from 'tap';
import { agent, buildTestIntake, sampleTicket } from './helper';

/** Every refused request must leave the database exactly as it was. */
t.test('bad input is a 4xx JSON error naming the problem, and stores nothing', async (t) => {
  const { app, database } = await buildTestIntake(t);
  const counts = async () => ({
    tickets: (await database.db.select().from(tickets)).length,
    events: (await database.db.select().from(ticketEvents)).length,
    outbox: (await database.db.select().from(outbox)).length,
  });
  const json = { ...agent, 'content-type': 'application/json' };

  const cases: { name: string; status: number; code: string; mentions?: RegExp; request: InjectOptions }[] = [
    { name: 'malformed JSON', status: 400, code: 'invalid_json', request: { method: 'POST', url: '/v1/tickets', headers: json, payload: '{"channel": "phone",' } },
    { name: 'empty body', status: 400, code: 'invalid_json', request: { method: 'POST', url: '/v1/tickets', headers: json, payload: '' } },
    { name: 'a JSON array', status: 400, code: 'validation_failed', request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: [1, 2] } },
    {
      name: 'wrong types',
      status: 400,
      code: 'validation_failed',
      mentions: /content/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, content: 42 } },
    },
    {
      name: 'missing content',
      status: 400,
      code: 'validation_failed',
      mentions: /content/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { channel: 'phone', type: 'help' } },
    },
    {
      name: 'blank content',
      status: 400,
      code: 'validation_failed',
      mentions: /content/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, content: '   ' } },
    },
    {
      name: 'content over 10,000 characters',
      status: 400,
      code: 'validation_failed',
      mentions: /content/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, content: '噪'.repeat(10_001) } },
    },
    {
      name: 'unknown channel',
      status: 400,
      code: 'validation_failed',
      mentions: /channel/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, channel: 'pigeon' } },
    },
    {
      name: 'unknown type',
      status: 400,
      code: 'validation_failed',
      mentions: /type/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, type: 'gossip' } },
    },
    {
      name: 'invalid phone',
      status: 400,
      code: 'validation_failed',
      mentions: /caller\.phone/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, caller: { phone: '12345' } } },
    },
    {
      name: 'unknown field',
      status: 400,
      code: 'validation_failed',
      mentions: /priority/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, priority: 'high' } },
    },
    {
      name: 'a 2 MB body',
      status: 413,
      code: 'payload_too_large',
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, content: 'x'.repeat(2 * 1024 * 1024) } },
    },
    {
      name: 'wrong content type',
      status: 415,
      code: 'unsupported_media_type',
      request: { method: 'POST', url: '/v1/tickets', headers: { ...agent, 'content-type': 'text/csv' }, payload: 'a,b' },
    },
    {
      name: 'missing API key',
      status: 401,
      code: 'unauthorized',
      mentions: /API key/,
      request: { method: 'POST', url: '/v1/tickets', payload: sampleTicket },
    },
    {
      name: 'wrong API key',
      status: 401,
      code: 'unauthorized',
      request: { method: 'POST', url: '/v1/tickets', headers: { authorization: 'Bearer not-a-key' }, payload: sampleTicket },
    },
    {
      name: 'a department key on an agent route',
      status: 403,
      code: 'forbidden',
      mentions: /department/,
      request: { method: 'POST', url: '/v1/tickets', headers: { authorization: 'Bearer dev-dept-housing' }, payload: sampleTicket },
    },
    {
      name: 'a manager key creating a ticket',
      status: 403,
      code: 'forbidden',
      request: { method: 'POST', url: '/v1/tickets', headers: { authorization: 'Bearer dev-manager' }, payload: sampleTicket },
    },
    { name: 'a malformed ticket id', status: 400, code: 'validation_failed', mentions: /params\.id/, request: { method: 'GET', url: "/v1/tickets/1' or 1=1--", headers: agent } },
    {
      name: 'an unknown filter value',
      status: 400,
      code: 'validation_failed',
      mentions: /querystring\.status/,
      request: { method: 'GET', url: '/v1/tickets?status=lost', headers: agent },
    },
    {
      name: 'an unknown order',
      status: 400,
      code: 'validation_failed',
      mentions: /querystring\.order/,
      request: { method: 'GET', url: '/v1/tickets?order=sideways', headers: agent },
    },
    {
      name: 'an unknown urgency filter',
      status: 400,
      code: 'validation_failed',
      mentions: /querystring\.urgency/,
      request: { method: 'GET', url: '/v1/tickets?urgency=high', headers: agent },
    },
    { name: 'a forged cursor', status: 400, code: 'validation_failed', mentions: /cursor/, request: { method: 'GET', url: '/v1/tickets?cursor=abc', headers: agent } },
    {
      name: 'a cursor whose id is 36 dashes',
      status: 400,
      code: 'validation_failed',
      mentions: /cursor/,
      request: { method: 'GET', url: `/v1/tickets?cursor=${Buffer.from(`2026-03-06T01:00:00.000Z|${'-'.repeat(36)}`).toString('base64url')}`, headers: agent },
    },
    {
      name: 'a NUL character in the content (PostgreSQL text cannot hold it)',
      status: 400,
      code: 'validation_failed',
      mentions: /content .*NUL/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, content: '路灯不亮\u0000了' } },
    },
    {
      name: "a NUL character in the caller's name",
      status: 400,
      code: 'validation_failed',
      mentions: /caller\.name .*NUL/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, caller: { name: '王\u0000' } } },
    },
    {
      name: 'a latitude without its longitude',
      status: 400,
      code: 'validation_failed',
      mentions: /location .*latitude and longitude are given together/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, location: { district: 'A3区', latitude: 28.2 } } },
    },
    {
      name: 'half of a character (an unpaired surrogate) in the content: jsonb refuses it',
      status: 400,
      code: 'validation_failed',
      mentions: /content .*half of a character/,
      request: { method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, content: '路灯不亮了\ud83d' } },
    },
    {
      name: 'a NUL character in a filter (found by the fuzz suite: it was a 500)',
      status: 400,
      code: 'validation_failed',
      mentions: /querystring\.district .*NUL/,
      request: { method: 'GET', url: '/v1/tickets?district=%00', headers: agent },
    },
    { name: 'a huge limit', status: 400, code: 'validation_failed', mentions: /limit/, request: { method: 'GET', url: '/v1/tickets?limit=1e308', headers: agent } },
    {
      name: 'an unknown emergency service',
      status: 400,
      code: 'validation_failed',
      mentions: /service/,
      request: { method: 'POST', url: '/v1/tickets/0190b2c4-0000-7000-8000-000000000000/transfer', headers: agent, payload: { service: '999' } },
    },
    {
      name: 'a note on a ticket that does not exist',
      status: 404,
      code: 'not_found',
      request: { method: 'POST', url: '/v1/tickets/0190b2c4-0000-7000-8000-000000000000/notes', headers: agent, payload: { note: '补充' } },
    },
  ];

  const before = await counts();
  for (const c of cases) {
    const res = await app.inject(c.request);
    t.equal(res.statusCode, c.status, `${c.name}: status (${res.body.slice(0, 200)})`);
    t.match(res.headers['content-type'], /application\/json/, `${c.name}: JSON`);
    const body = res.json();
    t.equal(body.error?.code, c.code, `${c.name}: code`);
    t.type(body.error?.message, 'string');
    if (c.mentions) t.match(body.error.message, c.mentions, `${c.name}: names the problem`);
  }
  t.same(await counts(), before, 'nothing was stored');

  const ok = await app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: sampleTicket });
  t.equal(ok.statusCode, 201, 'the service still works afterwards');
});
