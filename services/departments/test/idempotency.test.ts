import { actionIdempotencyKeys, appendTicketEvents, newTicketEvent, ticketEvents, tickets, type TicketRow, type Tx } from '@hotline/db';
import { seedTicket } from '@hotline/testkit';
import { and, eq, sql } from 'drizzle-orm';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { admin, buildTestDepartments, keyOf, manager, snapshot } from './helper';

const { app, database, names } = await buildTestDepartments(t);
const housing = keyOf('housing');
const ecology = keyOf('ecology');
const DAY_MS = 86_400_000;

type Headers = Record<string, string>;

const post = (id: string, path: string, headers: Headers, payload?: object): InjectOptions => ({
  method: 'POST',
  url: `/v1/tickets/${id}/${path}`,
  headers,
  ...(payload ? { payload } : {}),
});

async function eventsOf(ticketId: string, type: string) {
  return database.db
    .select()
    .from(ticketEvents)
    .where(and(eq(ticketEvents.ticketId, ticketId), eq(ticketEvents.type, type)));
}

async function storedKeys(key: string) {
  return database.db.select().from(actionIdempotencyKeys).where(eq(actionIdempotencyKeys.key, key));
}

const laterThan = (ticket: TicketRow, days: number) => new Date((ticket.replyDeadline as Date).getTime() + days * DAY_MS).toISOString();

/** One case per POST route: a ticket ready for the action, and the action with a given key. */
interface RouteCase {
  name: string;
  status: number;
  /** The event the action writes, once. */
  event: string;
  /** Where the event's data says which action it was (a co department's reply is a progress note). */
  data?: Record<string, unknown>;
  prepare(): Promise<TicketRow>;
  request(ticket: TicketRow, key: string): InjectOptions;
}

const routeCases: RouteCase[] = [
  {
    name: 'accept (签收)',
    status: 200,
    event: 'accepted',
    prepare: () => seedTicket(database, names, { status: 'dispatched', department: 'housing' }),
    request: (ticket, key) => post(ticket.id, 'accept', { ...housing, 'idempotency-key': key }),
  },
  {
    name: 'return (退单)',
    status: 200,
    event: 'returned',
    prepare: () => seedTicket(database, names, { status: 'dispatched', department: 'housing' }),
    request: (ticket, key) => post(ticket.id, 'return', { ...housing, 'idempotency-key': key }, { reason: '噪音属于城管职责' }),
  },
  {
    name: 'progress',
    status: 201,
    event: 'progressed',
    prepare: () => seedTicket(database, names, { status: 'accepted', department: 'housing' }),
    request: (ticket, key) => post(ticket.id, 'progress', { ...housing, 'idempotency-key': key }, { note: '已派执法队员现场核查' }),
  },
  {
    name: 'reply (办结反馈)',
    status: 200,
    event: 'replied',
    prepare: () => seedTicket(database, names, { status: 'accepted', department: 'housing' }),
    request: (ticket, key) =>
      post(ticket.id, 'reply', { ...housing, 'idempotency-key': key }, { result: 'resolved', reply: '经核查，施工单位已停止夜间施工。' }),
  },
  {
    name: "a co-handling department's part (协办意见)",
    status: 200,
    event: 'progressed',
    data: { coHandling: true },
    prepare: () => seedTicket(database, names, { status: 'dispatched', department: 'housing', coDepartments: ['ecology'] }),
    request: (ticket, key) =>
      post(ticket.id, 'reply', { ...ecology, 'idempotency-key': key }, { result: 'resolved', reply: '经监测，夜间噪声超标，已责令整改。' }),
  },
  {
    name: 'extension (延期)',
    status: 201,
    event: 'extension_requested',
    prepare: () => seedTicket(database, names, { status: 'accepted', department: 'housing' }),
    request: (ticket, key) =>
      post(ticket.id, 'extension', { ...housing, 'idempotency-key': key }, { until: laterThan(ticket, 5), reason: '需协调多个部门现场勘查' }),
  },
  {
    name: 'extension decision',
    status: 200,
    event: 'extension_decided',
    async prepare() {
      const ticket = await seedTicket(database, names, { status: 'accepted', department: 'housing' });
      const asked = await app.inject(post(ticket.id, 'extension', housing, { until: laterThan(ticket, 5), reason: '需协调多个部门现场勘查' }));
      if (asked.statusCode !== 201) throw new Error(`extension request failed: ${asked.body}`);
      return ticket;
    },
    request: (ticket, key) => post(ticket.id, 'extension/decision', { ...manager, 'idempotency-key': key }, { approve: true }),
  },
];

async function countEvents(c: RouteCase, ticketId: string): Promise<number> {
  const events = await eventsOf(ticketId, c.event);
  return events.filter((e) => !c.data || Object.entries(c.data).every(([k, v]) => (e.data as Record<string, unknown>)[k] === v)).length;
}

t.test('a retry with the same key gets the first answer again and writes no second event', async (t) => {
  for (const c of routeCases) {
    const ticket = await c.prepare();
    const key = `retry-${c.event}-${ticket.id}`;
    const first = await app.inject(c.request(ticket, key));
    t.equal(first.statusCode, c.status, `${c.name}: ${first.body}`);
    t.notOk(first.headers['idempotent-replayed'], `${c.name}: the first answer is not a replay`);
    const history = (await snapshot(database, ticket.id)).history;

    const retry = await app.inject(c.request(ticket, key));
    t.equal(retry.statusCode, c.status, `${c.name}: the retry gets the same status, not a 409: ${retry.body}`);
    t.equal(retry.headers['idempotent-replayed'], 'true', `${c.name}: the retry says it is a replay`);
    t.equal(retry.body, first.body, `${c.name}: the retry gets the same body`);
    t.equal(await countEvents(c, ticket.id), 1, `${c.name}: one ${c.event} event`);
    t.equal((await snapshot(database, ticket.id)).history, history, `${c.name}: the retry wrote nothing`);
  }
});

t.test('a replay answers as the action did then, whatever the ticket has become since', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  const accepted = await app.inject(post(ticket.id, 'accept', { ...housing, 'idempotency-key': 'qianshou-1' }));
  t.equal(accepted.statusCode, 200, accepted.body);
  const replied = await app.inject(post(ticket.id, 'reply', housing, { result: 'resolved', reply: '已处理完毕。' }));
  t.equal(replied.statusCode, 200, replied.body);

  const late = await app.inject(post(ticket.id, 'accept', { ...housing, 'idempotency-key': 'qianshou-1' }));
  t.equal(late.statusCode, 200, 'the retried 签收 that had succeeded is still a success');
  t.equal(late.json().status, 'accepted', 'with the ticket as the accept left it');
  t.equal(late.body, accepted.body);

  const returned = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  const first = await app.inject(post(returned.id, 'return', { ...housing, 'idempotency-key': 'tuidan-1' }, { reason: '不属于本单位' }));
  t.equal(first.statusCode, 200, first.body);
  t.equal((await app.inject({ method: 'GET', url: `/v1/tickets/${returned.id}`, headers: housing })).statusCode, 404, 'the ticket left the department');
  const again = await app.inject(post(returned.id, 'return', { ...housing, 'idempotency-key': 'tuidan-1' }, { reason: '不属于本单位' }));
  t.equal(again.statusCode, 200, 'the retried 退单 is still answered, not a 404');
  t.equal(again.body, first.body);
  t.equal((await eventsOf(returned.id, 'returned')).length, 1);
});

t.test('without the header nothing changes: a repeated accept is a 409 and nothing is stored', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'accepted', department: 'housing' });
  const first = await app.inject(post(ticket.id, 'progress', housing, { note: '第一次' }));
  const second = await app.inject(post(ticket.id, 'progress', housing, { note: '第一次' }));
  t.equal(first.statusCode, 201);
  t.equal(second.statusCode, 201);
  t.notOk(second.headers['idempotent-replayed']);
  t.equal((await eventsOf(ticket.id, 'progressed')).length, 2, 'two requests without a key are two notes');
  const twice = await app.inject(post(ticket.id, 'accept', housing));
  t.equal(twice.statusCode, 409);
  t.equal(twice.json().error.code, 'illegal_transition');
  t.same(await database.db.select().from(actionIdempotencyKeys).where(eq(actionIdempotencyKeys.ticketId, ticket.id)), []);
});

t.test('the same key with another body, route or ticket is a 409 idempotency_conflict and stores nothing', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'accepted', department: 'housing' });
  const other = await seedTicket(database, names, { status: 'accepted', department: 'housing' });
  const headers = { ...housing, 'idempotency-key': 'note-2026-12-01-1' };
  const first = await app.inject(post(ticket.id, 'progress', headers, { note: '已联系施工单位' }));
  t.equal(first.statusCode, 201, first.body);
  const [stored] = await storedKeys('note-2026-12-01-1');
  const before = [await snapshot(database, ticket.id), await snapshot(database, other.id)];

  const attempts: [string, InjectOptions][] = [
    ['another body', post(ticket.id, 'progress', headers, { note: '另一条进展' })],
    ['another route', post(ticket.id, 'reply', headers, { result: 'resolved', reply: '已联系施工单位' })],
    ['another ticket', post(other.id, 'progress', headers, { note: '已联系施工单位' })],
  ];
  for (const [name, request] of attempts) {
    const res = await app.inject(request);
    t.equal(res.statusCode, 409, `${name}: ${res.body}`);
    t.equal(res.json().error.code, 'idempotency_conflict', name);
    t.match(res.json().error.message, /Idempotency-Key was already used/, name);
    t.notOk(res.headers['idempotent-replayed'], name);
  }
  t.same([await snapshot(database, ticket.id), await snapshot(database, other.id)], before, 'neither ticket changed');
  t.same(await storedKeys('note-2026-12-01-1'), [stored], 'the key still holds the first answer alone');

  const retry = await app.inject(post(ticket.id, 'progress', headers, { note: '已联系施工单位' }));
  t.equal(retry.statusCode, 201, 'the first request still replays');
  t.equal(retry.body, first.body);
});

t.test('a refused action keeps no key: its retry is judged again', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  const headers = { ...housing, 'idempotency-key': 'early-note' };
  const early = await app.inject(post(ticket.id, 'progress', headers, { note: '先记一笔' }));
  t.equal(early.statusCode, 409, 'progress before 签收');
  t.equal(early.json().error.code, 'illegal_transition');
  t.same(await storedKeys('early-note'), [], 'no key is kept for a refused action');
  const missing = await app.inject(post('0190b2c4-0000-7000-8000-000000000000', 'accept', { ...housing, 'idempotency-key': 'no-such-ticket' }));
  t.equal(missing.statusCode, 404, missing.body);
  t.same(await storedKeys('no-such-ticket'), []);

  t.equal((await app.inject(post(ticket.id, 'accept', housing))).statusCode, 200);
  const later = await app.inject(post(ticket.id, 'progress', headers, { note: '先记一笔' }));
  t.equal(later.statusCode, 201, later.body);
  t.notOk(later.headers['idempotent-replayed']);
  t.equal((await eventsOf(ticket.id, 'progressed')).length, 1);
});

t.test('concurrent duplicates write one event; the others get the replay, never a 500', async (t) => {
  for (const c of routeCases) {
    const ticket = await c.prepare();
    const key = `race-${c.event}-${ticket.id}`;
    const answers: LightMyRequestResponse[] = await Promise.all(Array.from({ length: 6 }, () => app.inject(c.request(ticket, key))));
    t.same(
      answers.map((a) => a.statusCode),
      Array(6).fill(c.status),
      `${c.name}: every twin succeeds: ${answers.map((a) => a.statusCode).join(', ')}`,
    );
    t.equal(new Set(answers.map((a) => a.body)).size, 1, `${c.name}: every twin gets the same body`);
    t.equal(answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length, 5, `${c.name}: five replays`);
    t.equal(await countEvents(c, ticket.id), 1, `${c.name}: one ${c.event} event`);
  }
});

/** Backends of the test's database waiting for a lock (a row, or a twin's uncommitted key). */
async function lockWaiters(): Promise<number> {
  const [row] = await database.db.execute<{ n: number }>(
    sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return row?.n ?? 0;
}

async function untilLockWaiters(n: number, what: string): Promise<void> {
  for (let waited = 0; (await lockWaiters()) < n; waited += 20) {
    if (waited > 10_000) throw new Error(what);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A clerk's 签收 and its retry, made to overlap every time: the test holds the ticket, so the
 * first request claims its key and then waits for the ticket inside its transaction; the retry,
 * sent then, finds the key claimed and waits for that transaction. `meanwhile` runs on the held
 * ticket before it is let go.
 */
async function overlappingTwins(ticket: TicketRow, key: string, meanwhile: (tx: Tx, held: TicketRow) => Promise<void>) {
  const request = post(ticket.id, 'accept', { ...housing, 'idempotency-key': key });
  const { first, twin } = await database.db.transaction(async (tx) => {
    const [held] = await tx.select().from(tickets).where(eq(tickets.id, ticket.id)).for('update');
    const first = app.inject(request);
    await untilLockWaiters(1, 'the first request never waited for the ticket');
    const twin = app.inject(request);
    await untilLockWaiters(2, 'the retry never waited for the claimed key');
    await meanwhile(tx, held as TicketRow);
    return { first, twin };
  });
  return { first: await first, twin: await twin };
}

t.test('a retry sent while the first request is still writing waits for it and replays its answer', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  const { first, twin } = await overlappingTwins(ticket, 'qianshou-overlap', async () => {});
  t.equal(first.statusCode, 200, first.body);
  t.notOk(first.headers['idempotent-replayed'], 'the first request did the 签收');
  t.equal(twin.statusCode, 200, `the retry is answered, not a 409 or a 500: ${twin.body}`);
  t.equal(twin.headers['idempotent-replayed'], 'true', 'the retry says it is a replay');
  t.equal(twin.body, first.body, 'with the first answer');
  t.equal((await eventsOf(ticket.id, 'accepted')).length, 1, 'one accepted event');
  t.equal((await storedKeys('qianshou-overlap')).length, 1, 'one key, holding the answer');
});

t.test('a retry that waited on a first request that was refused is judged again, and no key is kept', async (t) => {
  const ticket = await seedTicket(database, names, { status: 'dispatched', department: 'housing' });
  const { first, twin } = await overlappingTwins(ticket, 'qianshou-refused', async (tx, held) => {
    // Another clerk of the department signs for the ticket first.
    const accepted = newTicketEvent(ticket.id, 'accepted', { department: 'housing', acceptDeadline: null }, { actor: { role: 'department', id: 'housing' }, requestId: null });
    await appendTicketEvents(tx, names, { id: held.id, status: 'dispatched', version: held.version }, [accepted]);
  });
  t.equal(first.statusCode, 409, first.body);
  t.equal(first.json().error.code, 'illegal_transition');
  t.equal(twin.statusCode, 409, `the retry is judged on the ticket as it is, not replayed and not a 500: ${twin.body}`);
  t.equal(twin.json().error.code, 'illegal_transition');
  t.notOk(twin.headers['idempotent-replayed']);
  t.equal((await eventsOf(ticket.id, 'accepted')).length, 1, "only the other clerk's 签收");
  t.same(await storedKeys('qianshou-refused'), [], 'no key is kept for a refused action');
});

t.test("another API key's key is its own: it never replays someone else's answer", async (t) => {
  const ticket = await seedTicket(database, names, { status: 'accepted', department: 'housing', coDepartments: ['ecology'] });
  const note = { note: '已到现场' };
  const byHousing = await app.inject(post(ticket.id, 'progress', { ...housing, 'idempotency-key': 'shared-key' }, note));
  const byEcology = await app.inject(post(ticket.id, 'progress', { ...ecology, 'idempotency-key': 'shared-key' }, note));
  t.equal(byHousing.statusCode, 201);
  t.equal(byEcology.statusCode, 201);
  t.notOk(byEcology.headers['idempotent-replayed'], 'the co department wrote its own note');
  t.same(
    (await eventsOf(ticket.id, 'progressed')).map((e) => (e.data as { department: string }).department).sort(),
    ['ecology', 'housing'],
    'one note per department',
  );

  const mine = await seedTicket(database, names, { status: 'dispatched', department: 'a3' });
  const acceptedByA3 = await app.inject(post(mine.id, 'accept', { ...keyOf('a3'), 'idempotency-key': 'shared-key' }));
  t.equal(acceptedByA3.statusCode, 200, acceptedByA3.body);
  t.notOk(acceptedByA3.headers['idempotent-replayed']);
  t.equal(acceptedByA3.json().id, mine.id);
  t.equal(acceptedByA3.json().status, 'accepted');

  const extended = await seedTicket(database, names, { status: 'accepted', department: 'housing' });
  const asked = await app.inject(post(extended.id, 'extension', housing, { until: laterThan(extended, 3), reason: '需要时间' }));
  t.equal(asked.statusCode, 201, asked.body);
  const byManager = await app.inject(post(extended.id, 'extension/decision', { ...manager, 'idempotency-key': 'decide-1' }, { approve: true }));
  t.equal(byManager.statusCode, 200, byManager.body);
  const byAdmin = await app.inject(post(extended.id, 'extension/decision', { ...admin, 'idempotency-key': 'decide-1' }, { approve: true }));
  t.equal(byAdmin.statusCode, 409, "the admin's request is judged on its own: nothing is waiting any more");
  t.equal(byAdmin.json().error.code, 'conflict');
  t.notOk(byAdmin.headers['idempotent-replayed']);
  t.equal((await eventsOf(extended.id, 'extension_decided')).length, 1);
});

t.test('a bad Idempotency-Key is a 400 naming the header, and changes nothing', async (t) => {
  for (const c of routeCases) {
    const ticket = await c.prepare();
    const before = await snapshot(database, ticket.id);
    for (const [name, key] of [
      ['empty', ''],
      ['201 characters', 'k'.repeat(201)],
    ] as const) {
      const res = await app.inject(c.request(ticket, key));
      t.equal(res.statusCode, 400, `${c.name}, ${name} key: ${res.body}`);
      t.equal(res.json().error.code, 'validation_failed');
      t.same(
        res.json().error.details.fields.map((f: { field: string }) => f.field),
        ['headers.idempotency-key'],
        `${c.name}, ${name} key: names the header`,
      );
    }
    t.same(await snapshot(database, ticket.id), before, `${c.name}: nothing changed`);
    const longest = await app.inject(c.request(ticket, ticket.id.padEnd(200, 'k')));
    t.equal(longest.statusCode, c.status, `${c.name}: a key of 200 characters is taken: ${longest.body}`);
  }
});
