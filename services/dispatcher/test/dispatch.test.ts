import { parseTicketEvent } from '@hotline/contracts';
import { ticketEvents } from '@hotline/db';
import { acceptDeadline, loadChinaCalendar, replyDeadline } from '@hotline/domain';
import { collectMessages, recordingLogger, sleep } from '@hotline/testkit';
import { asc, eq } from 'drizzle-orm';
import t from 'tap';
import { buildTestDispatcher, createTicket, pullDepartment, sampleTicket, TestClock, ticketRow, waitForStatus } from './helper';

// A Friday afternoon: the 2 working hours to accept run over the weekend.
const FRIDAY_1600 = new Date('2026-11-20T16:00:00+08:00');

t.test('a classified ticket is dispatched once, with deadlines, catalogue version and a message per department', async (t) => {
  // intake → classifier → dispatcher, through the streams.
  const { intake, database, bus } = await buildTestDispatcher(t, { clock: new TestClock(FRIDAY_1600) });
  const dispatched = await collectMessages(bus, bus.names.tickets, bus.names.ticketSubject('dispatched'));
  t.teardown(() => dispatched.stop());

  // Keyword rule 夜间施工噪音: urban management leads, ecology co-handles.
  const noise = await createTicket(intake);
  // No location fields: 属地 comes from the text; the water company may see the whole number.
  const water = await createTicket(intake, {
    channel: 'phone',
    type: 'help',
    caller: { name: '李女士', phone: '13912345678' },
    content: '我住在A5区东风街道幸福小区，小区已经停水三天了，物业说不清楚原因，请尽快恢复供水。',
  });

  const row = await waitForStatus(database.db, noise, 'dispatched');
  t.equal(row.departmentCode, 'urban-management');
  t.same(row.coDepartments, ['ecology']);
  t.equal(row.catalogueVersion, 1, 'routed by the seeded catalogue');
  t.equal(row.dispatchedAt?.toISOString(), FRIDAY_1600.toISOString());
  t.equal(row.acceptedAt, null);
  // Friday 16:00–17:30 is 1.5 office hours; the last half hour is Monday 08:30–09:00.
  t.equal(row.acceptDeadline?.toISOString(), '2026-11-23T01:00:00.000Z', 'Mon 2026-11-23 09:00+08:00');
  // 投诉: 15 working days counted from the next day, ending at office close.
  t.equal(row.replyDeadline?.toISOString(), '2026-12-11T09:30:00.000Z', 'Fri 2026-12-11 17:30+08:00');
  const calendar = loadChinaCalendar();
  t.equal(row.acceptDeadline?.getTime(), acceptDeadline(FRIDAY_1600, 'normal', calendar).getTime());
  t.equal(row.replyDeadline?.getTime(), replyDeadline('complaint', 'normal', FRIDAY_1600, calendar).getTime());

  const history = await database.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, noise)).orderBy(asc(ticketEvents.seq));
  t.same(
    history.map((h) => h.type),
    ['received', 'classified', 'dispatched'],
  );
  const event = history[2];
  t.same(event?.data, {
    department: 'urban-management',
    coDepartments: ['ecology'],
    acceptDeadline: '2026-11-23T01:00:00.000Z',
    replyDeadline: '2026-12-11T09:30:00.000Z',
    catalogueVersion: 1,
  });
  t.match(event, { actorRole: 'system', actorId: 'dispatcher' });
  t.match(row.categoryCode, /^\d{2}/, 'the classifier’s category stays on the ticket');

  const waterRow = await waitForStatus(database.db, water, 'dispatched');
  t.equal(waterRow.departmentCode, 'water');
  t.same(waterRow.coDepartments, []);
  t.equal(waterRow.district, 'A5区', 'where it happened is stored when the agent left it empty');
  t.equal(waterRow.street, '东风街道');
  t.equal(waterRow.replyDeadline?.toISOString(), '2026-12-04T09:30:00.000Z', '求助: 10 working days');

  const main = await pullDepartment(bus, 'urban-management', 1);
  t.equal(main.length, 1, 'the main department receives exactly one message');
  const work = main[0]!;
  t.equal(work.subject, bus.names.dispatchSubject('urban-management'));
  t.match(work.message, {
    eventId: event?.id,
    ticketId: noise,
    department: 'urban-management',
    role: 'main',
    acceptDeadline: '2026-11-23T01:00:00.000Z',
    category: row.categoryCode,
    ticket: {
      number: row.number,
      type: 'complaint',
      title: sampleTicket.title,
      caller: { name: '张先生', phone: '138****1234', phoneMasked: '138****1234', anonymous: false },
      location: { district: 'A3区', street: '某街道' },
    },
  });
  t.match(work.msgId, /^[0-9a-f-]{36}$/);
  t.not(work.msgId, event?.id, 'a message id of its own, so JetStream keeps it apart from the event');

  const co = await pullDepartment(bus, 'ecology', 1);
  t.equal(co.length, 1, 'the co-handling department receives its own');
  t.match(co[0]?.message, { ticketId: noise, department: 'ecology', role: 'co', ticket: { caller: { phone: '138****1234' } } });

  const utility = await pullDepartment(bus, 'water', 1);
  t.equal(utility.length, 1);
  t.match(utility[0]?.message, {
    ticketId: water,
    role: 'main',
    ticket: { caller: { phone: '13912345678', phoneMasked: '139****5678' }, location: { district: 'A5区', street: '东风街道' } },
  });

  // A redelivery after a crash: the same classified event again, under new message ids.
  const classified = history[1]!;
  const again = parseTicketEvent({
    id: classified.id,
    type: classified.type,
    ticketId: noise,
    occurredAt: classified.occurredAt.toISOString(),
    actor: { role: classified.actorRole, id: classified.actorId },
    requestId: classified.requestId,
    data: classified.data,
  });
  await bus.js.publish(bus.names.ticketSubject('classified'), JSON.stringify(again));
  await bus.js.publish(bus.names.ticketSubject('classified'), JSON.stringify(again));
  await sleep(1_500);
  const after = await ticketRow(database.db, noise);
  t.equal(after.version, row.version, 'nothing appended');
  t.same(after, row, 'same status, department and deadlines');
  t.equal((await pullDepartment(bus, 'urban-management', 0)).length, 0, 'no second message to the department');
  await dispatched.waitFor(2);
  await sleep(300);
  t.equal(dispatched.received.length, 2, 'one dispatched event per ticket on the ticket stream');
});

t.test('classified tickets that queued up while the dispatcher was down: each dispatched once, with its own route', async (t) => {
  const log = recordingLogger('debug');
  const { intake, database, bus, dispatcher, replica } = await buildTestDispatcher(t, { clock: new TestClock(FRIDAY_1600), logger: log.logger });
  await dispatcher.close();
  const water = { ...sampleTicket, type: 'help', location: undefined, content: '我住在A5区东风街道幸福小区，小区已经停水三天了，请尽快恢复供水。' };
  const bodies = Array.from({ length: 24 }, (_, i) => (i % 3 === 2 ? water : { ...sampleTicket, content: `${sampleTicket.content}（${i + 1}号楼）` }));
  const ids = await Promise.all(bodies.map((body) => createTicket(intake, body)));
  for (const id of ids) await waitForStatus(database.db, id, 'classified');
  await replica();

  const noiseIds = ids.filter((_, i) => i % 3 !== 2);
  const waterIds = ids.filter((_, i) => i % 3 === 2);
  for (const id of ids) {
    const row = await waitForStatus(database.db, id, 'dispatched');
    const expected = waterIds.includes(id) ? { departmentCode: 'water', coDepartments: [] } : { departmentCode: 'urban-management', coDepartments: ['ecology'] };
    t.match(row, { ...expected, version: 3, catalogueVersion: 1 }, `ticket ${row.number}: its own route`);
  }
  const histories = await database.db.select().from(ticketEvents).orderBy(asc(ticketEvents.ticketId), asc(ticketEvents.seq));
  t.equal(histories.filter((h) => h.type === 'dispatched').length, 24, 'one dispatched event per ticket');
  const received = async (code: string, expected: number) => (await pullDepartment(bus, code, expected)).map((m) => m.message.ticketId).sort();
  t.strictSame(await received('urban-management', noiseIds.length), [...noiseIds].sort(), 'the main department: each of its tickets once');
  t.strictSame(await received('ecology', noiseIds.length), [...noiseIds].sort(), 'the co-handling one too');
  t.strictSame(await received('water', waterIds.length), [...waterIds].sort(), 'and the water company its own');
  const batches = log.records().filter((r) => r.msg === 'batch handled' && r.consumer === 'dispatcher');
  t.ok(batches.some((b) => (b.messages as number) > 1), `dispatched in batches (${batches.map((b) => b.messages).join(', ')})`);
  t.strictSame(log.records().filter((r) => (r.level as number) >= 50 || r.msg === 'batch failed; handling its messages one by one'), [], 'no batch failed');
});

t.test('every department has its durable on its own subject, even before any work for it', async (t) => {
  const { bus } = await buildTestDispatcher(t);
  const info = await bus.jsm.consumers.info(bus.names.dispatch, 'dept-gas');
  t.equal(info.config.filter_subject, bus.names.dispatchSubject('gas'));
  t.equal(info.config.durable_name, 'dept-gas');
  const all = [];
  for await (const c of bus.jsm.consumers.list(bus.names.dispatch)) all.push(c.name);
  t.ok(all.length >= 29, `one per department (${all.length})`);
});

t.test('an emergency is to be accepted within 2 hours on the clock, not by Monday morning', async (t) => {
  const { intake, database } = await buildTestDispatcher(t, { clock: new TestClock(new Date('2026-11-20T18:00:00+08:00')) });
  const id = await createTicket(intake, { ...sampleTicket, urgency: 'emergency', content: '小区门口燃气管道破裂，现场有很大的燃气味，请马上派人处理。' });
  const row = await waitForStatus(database.db, id, 'dispatched');
  t.equal(row.acceptDeadline?.toISOString(), '2026-11-20T12:00:00.000Z', 'Fri 20:00+08:00');
  t.equal(row.replyDeadline?.toISOString(), '2026-11-21T10:00:00.000Z', 'Sat 18:00+08:00: 24 hours');
});

t.test('deadline rules and office hours come from the configuration', async (t) => {
  const { intake, database } = await buildTestDispatcher(t, {
    clock: new TestClock(FRIDAY_1600),
    env: { ACCEPT_WORKING_HOURS: '1', REPLY_WORKING_DAYS: 'complaint=3, consultation=1', OFFICE_HOURS: '09:00-12:00, 14:00-18:00' },
  });
  const id = await createTicket(intake);
  const row = await waitForStatus(database.db, id, 'dispatched');
  t.equal(row.acceptDeadline?.toISOString(), '2026-11-20T09:00:00.000Z', 'one office hour: Fri 17:00+08:00');
  t.equal(row.replyDeadline?.toISOString(), '2026-11-25T10:00:00.000Z', '投诉 in 3 working days, to the 18:00 close: Wed 2026-11-25 18:00+08:00');
});
