import { parseTicketEvent } from '@hotline/contracts';
import { ticketEvents, tickets, outbox } from '@hotline/db';
import { collectMessages } from '@hotline/testkit';
import { eq } from 'drizzle-orm';
import t from 'tap';
import { agent, buildTestIntake, manager, sampleTicket } from './helper';

t.test('a created ticket is stored with its history and its received event arrives once', async (t) => {
  const { app, database, bus } = await buildTestIntake(t);
  const events = await collectMessages(bus, bus.names.tickets, bus.names.ticketSubject('received'));
  t.teardown(() => events.stop());

  const res = await app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: sampleTicket });
  t.equal(res.statusCode, 201, res.body);
  const body = res.json();
  t.match(body, {
    status: 'received',
    channel: 'phone',
    type: 'complaint',
    urgency: 'normal',
    caller: { name: '张先生', phone: '13812341234', anonymous: false },
    location: { district: 'A3区' },
  });
  t.match(body.number, /^\d{8}-\d{6}$/);
  t.equal(body.history.length, 1);
  t.equal(body.history[0].type, 'received');

  const [stored] = await database.db.select().from(tickets).where(eq(tickets.id, body.id));
  t.equal(stored?.callerPhone, '13812341234', 'the whole number is stored');
  const history = await database.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, body.id));
  t.equal(history.length, 1);

  await events.waitFor(1);
  const event = parseTicketEvent(events.received[0]?.data);
  t.equal(event.ticketId, body.id);
  t.equal(event.id, history[0]?.id, 'the history row and the JetStream message are the same event');
  t.equal(events.received[0]?.msgId, event.id, 'Nats-Msg-Id is the event id');
  if (event.type === 'received') t.equal(event.data.ticket.caller.phoneMasked, '138****1234', 'events carry the masked phone');

  await new Promise((r) => setTimeout(r, 300));
  t.equal(events.received.length, 1, 'exactly once');
  const [row] = await database.db.select().from(outbox).where(eq(outbox.id, event.id));
  t.ok(row?.sentAt, 'the outbox row is marked sent');
  t.same(row?.payload, events.received[0]?.data, 'the outbox row holds the event as published');
  t.same(
    { ...history[0], occurredAt: history[0]?.occurredAt.toISOString() },
    {
      id: event.id,
      ticketId: body.id,
      seq: 0,
      type: 'received',
      occurredAt: event.occurredAt,
      actorRole: 'agent',
      actorId: event.actor.id,
      requestId: event.requestId,
      data: event.data,
    },
    'the history row is the event, field for field',
  );
  t.equal(event.actor.role, 'agent');
  t.ok(event.requestId, 'the request id is recorded');
  t.equal(stored?.createdAt.toISOString(), event.occurredAt, 'the ticket was created when it was received');
  t.same(
    body.history[0],
    { id: event.id, seq: 0, type: 'received', occurredAt: event.occurredAt, actor: event.actor, data: event.data },
    'the answer shows the stored event',
  );
});

t.test('without a title, the first line is the title, cut after 40 characters and never inside one', async (t) => {
  const { app } = await buildTestIntake(t);
  // 39 汉字, then an emoji and a rare 汉字 outside the BMP, each two UTF-16 units: the 40th
  // character straddles the 40th and 41st units. Cut there, half an emoji was a 500 (jsonb).
  const firstLine = `${'小区门口的路灯已经坏了一个星期晚上出行很不安全请尽快维修谢谢有关部门的帮助和支持'.slice(0, 39)}😭𠮷还有`;
  const res = await app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, title: undefined, content: `${firstLine}\n详情如下。` } });
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().title, `${firstLine.slice(0, 39)}😭…`, '40 characters, the emoji whole, then an ellipsis');
  const short = await app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, title: undefined, content: '路灯坏了😭\n第二行' } });
  t.equal(short.statusCode, 201, short.body);
  t.equal(short.json().title, '路灯坏了😭', 'a short first line is the title as it is');
});

t.test('a position is stored when both coordinates are given', async (t) => {
  const { app } = await buildTestIntake(t);
  const res = await app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, location: { district: 'A3区', latitude: 28.19, longitude: 112.97 } } });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json().location, { district: 'A3区', latitude: 28.19, longitude: 112.97 });
});

t.test('reading, listing and masking', async (t) => {
  const { app } = await buildTestIntake(t);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/tickets',
      headers: agent,
      payload: { ...sampleTicket, type: i % 2 ? 'consultation' : 'complaint', content: `第${i}条诉求：路灯不亮` },
    });
    ids.push(res.json().id);
  }
  const one = await app.inject({ method: 'GET', url: `/v1/tickets/${ids[0]}`, headers: manager });
  t.equal(one.statusCode, 200);
  t.equal(one.json().caller.phone, '138****1234', 'a manager sees the masked phone');
  t.equal(one.json().history.length, 1);

  const asAgent = await app.inject({ method: 'GET', url: `/v1/tickets/${ids[0]}`, headers: agent });
  t.equal(asAgent.json().caller.phone, '13812341234', 'an agent sees the whole number');

  const page1 = await app.inject({ method: 'GET', url: '/v1/tickets?limit=2', headers: agent });
  t.equal(page1.statusCode, 200);
  const p1 = page1.json();
  t.same(
    p1.items.map((i: { id: string }) => i.id),
    [ids[4], ids[3]],
    'newest first',
  );
  const page2 = await app.inject({ method: 'GET', url: `/v1/tickets?limit=2&cursor=${p1.nextCursor}`, headers: agent });
  t.equal(page2.statusCode, 200, page2.body);
  t.same(
    page2.json().items.map((i: { id: string }) => i.id),
    [ids[2], ids[1]],
  );
  const page3 = await app.inject({ method: 'GET', url: `/v1/tickets?limit=2&cursor=${page2.json().nextCursor}`, headers: agent });
  t.equal(page3.json().items.length, 1);
  t.equal(page3.json().nextCursor, null);

  const consult = await app.inject({ method: 'GET', url: '/v1/tickets?type=consultation', headers: agent });
  t.equal(consult.json().items.length, 2);
  const text = await app.inject({ method: 'GET', url: `/v1/tickets?q=${encodeURIComponent('第3条')}`, headers: agent });
  t.same(
    text.json().items.map((i: { id: string }) => i.id),
    [ids[3]],
  );
  const byPhone = await app.inject({ method: 'GET', url: '/v1/tickets?callerPhone=138-1234-1234', headers: agent });
  t.equal(byPhone.json().items.length, 5, 'phone filter normalises the number');
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const byDate = await app.inject({ method: 'GET', url: `/v1/tickets?createdFrom=${today}&createdTo=${today}&district=A3区`, headers: agent });
  t.equal(byDate.json().items.length, 5, 'created today (Beijing) in A3区');
  const none = await app.inject({ method: 'GET', url: '/v1/tickets?createdTo=2020-01-01', headers: agent });
  t.equal(none.json().items.length, 0);
  const missing = await app.inject({ method: 'GET', url: '/v1/tickets/0190b2c4-0000-7000-8000-000000000000', headers: agent });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().error.code, 'not_found');
});

t.test('an agent works a queue oldest first, page by page, and can take the emergencies apart', async (t) => {
  const { app } = await buildTestIntake(t);
  const urgencies = ['normal', 'emergency', 'normal', 'emergency', 'urgent'];
  const ids: string[] = [];
  for (const [i, urgency] of urgencies.entries()) {
    const res = await app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, urgency, content: `第${i}条诉求：路灯不亮` } });
    t.equal(res.statusCode, 201, res.body);
    ids.push(res.json().id);
  }
  const listed = async (query: string) => {
    const res = await app.inject({ method: 'GET', url: `/v1/tickets?${query}`, headers: agent });
    t.equal(res.statusCode, 200, res.body);
    const page = res.json() as { items: { id: string; urgency: string }[]; nextCursor: string | null };
    return { ids: page.items.map((i) => i.id), urgencies: page.items.map((i) => i.urgency), nextCursor: page.nextCursor };
  };

  const first = await listed('order=oldest&limit=2');
  t.same(first.ids, [ids[0], ids[1]], 'the longest waiting first');
  const second = await listed(`order=oldest&limit=2&cursor=${first.nextCursor}`);
  t.same(second.ids, [ids[2], ids[3]], 'the next page goes on from there, in the same order');
  const last = await listed(`order=oldest&limit=2&cursor=${second.nextCursor}`);
  t.same(last.ids, [ids[4]]);
  t.equal(last.nextCursor, null);

  const emergencies = await listed('status=received&urgency=emergency&order=oldest');
  t.same(emergencies.ids, [ids[1], ids[3]], 'only the emergencies, oldest first');
  t.same(emergencies.urgencies, ['emergency', 'emergency']);
  const newest = await listed('urgency=emergency');
  t.same(newest.ids, [ids[3], ids[1]], 'without an order, newest first as before');

  const mixed = await app.inject({ method: 'GET', url: `/v1/tickets?limit=2&cursor=${first.nextCursor}`, headers: agent });
  t.equal(mixed.statusCode, 400, 'a cursor of the oldest-first list, asked newest first, would walk the wrong way');
  t.match(mixed.json().error, { code: 'validation_failed', details: { fields: [{ field: 'querystring.cursor', message: /oldest first/ }] } });
});

t.test('idempotency key: same body same ticket, other body 409', async (t) => {
  const { app, database } = await buildTestIntake(t);
  const headers = { ...agent, 'idempotency-key': 'call-2026-11-23-0001' };
  const first = await app.inject({ method: 'POST', url: '/v1/tickets', headers, payload: sampleTicket });
  const again = await app.inject({ method: 'POST', url: '/v1/tickets', headers, payload: sampleTicket });
  t.equal(first.statusCode, 201);
  t.equal(again.statusCode, 201);
  t.equal(again.json().id, first.json().id);
  t.equal(again.headers['idempotent-replayed'], 'true');
  const other = await app.inject({ method: 'POST', url: '/v1/tickets', headers, payload: { ...sampleTicket, content: '另一件事' } });
  t.equal(other.statusCode, 409);
  t.equal(other.json().error.code, 'idempotency_conflict');
  const racing = await Promise.all(
    Array.from({ length: 5 }, () =>
      app.inject({ method: 'POST', url: '/v1/tickets', headers: { ...agent, 'idempotency-key': 'race' }, payload: sampleTicket }),
    ),
  );
  t.same(new Set(racing.map((r) => r.statusCode)), new Set([201]));
  t.equal(new Set(racing.map((r) => r.json().id)).size, 1, 'concurrent repeats create one ticket');
  t.equal((await database.db.select().from(tickets)).length, 2);
});

t.test('notes, direct answers and transfers', async (t) => {
  const { app } = await buildTestIntake(t);
  const create = (type: string) =>
    app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, type } }).then((r) => r.json());

  const consultation = await create('consultation');
  const noted = await app.inject({ method: 'POST', url: `/v1/tickets/${consultation.id}/notes`, headers: agent, payload: { note: '市民来电补充：周末也施工' } });
  t.equal(noted.statusCode, 201);
  t.same(
    noted.json().history.map((h: { type: string }) => h.type),
    ['received', 'noted'],
  );
  const answered = await app.inject({ method: 'POST', url: `/v1/tickets/${consultation.id}/answer`, headers: agent, payload: { answer: '夜间施工须办理许可，可拨打城管热线。' } });
  t.equal(answered.statusCode, 200);
  t.equal(answered.json().status, 'answered');

  const complaint = await create('complaint');
  const refused = await app.inject({ method: 'POST', url: `/v1/tickets/${complaint.id}/answer`, headers: agent, payload: { answer: '不行' } });
  t.equal(refused.statusCode, 409, 'only consultations are answered directly');

  const emergency = await create('help');
  const transferred = await app.inject({ method: 'POST', url: `/v1/tickets/${emergency.id}/transfer`, headers: agent, payload: { service: '119', note: '楼道起火' } });
  t.equal(transferred.statusCode, 200);
  t.equal(transferred.json().status, 'transferred');
});

t.test('an illegal transition is a 409 and the ticket is unchanged', async (t) => {
  const { app } = await buildTestIntake(t);
  const ticket = (await app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, type: 'consultation' } })).json();
  await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/answer`, headers: agent, payload: { answer: '已答复' } });
  const before = (await app.inject({ method: 'GET', url: `/v1/tickets/${ticket.id}`, headers: agent })).json();
  for (const [path, payload] of [
    ['answer', { answer: '再答一次' }],
    ['transfer', { service: '110' }],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: `/v1/tickets/${ticket.id}/${path}`, headers: agent, payload });
    t.equal(res.statusCode, 409, path);
    t.equal(res.json().error.code, 'illegal_transition');
  }
  const after = (await app.inject({ method: 'GET', url: `/v1/tickets/${ticket.id}`, headers: agent })).json();
  t.same(after, before);
});
