import { streamNames } from '@hotline/contracts';
import { Cleanup, createTestDatabase } from '@hotline/testkit';
import { asc, eq } from 'drizzle-orm';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import {
  appendTicketEvents,
  appendTicketEventsIfUnchanged,
  appendToTicketsIfUnchanged,
  departments,
  eventRows,
  insertEvents,
  newTicketEvent,
  outbox,
  ticketEvents,
  ticketHistory,
  tickets,
  categories,
  type Db,
  type OutboxMessage,
} from '../src/index';

const names = streamNames('dbtest');
const ctx = { actor: { role: 'agent' as const, id: 'agent-1' }, requestId: 'req-1' };

/** A received ticket (version 1) whose one history row is a note. */
async function receivedTicketWithANote(db: Db, number: string, content: string): Promise<string> {
  const id = uuidv7();
  const now = new Date();
  await db.transaction(async (tx) => {
    await tx.insert(tickets).values({
      id,
      number,
      channel: 'phone',
      type: 'complaint',
      urgency: 'normal',
      title: content.slice(0, 10),
      content,
      status: 'received',
      version: 1,
      createdBy: 'agent-1',
      createdAt: now,
      updatedAt: now,
    });
    await insertEvents(tx, names, [newTicketEvent(id, 'noted', { note: 'first' }, ctx)], 0);
  });
  return id;
}

t.test('migrations and seeds: the catalogue is there', async (t) => {
  const database = await createTestDatabase(new Cleanup(t));
  t.ok((await database.db.select().from(departments)).length >= 29);
  t.equal((await database.db.select().from(categories).where(eq(categories.level, 1))).length, 15);
});

t.test('appending events: history, outbox and projection move together; illegal steps write nothing', async (t) => {
  const database = await createTestDatabase(new Cleanup(t));
  const id = await receivedTicketWithANote(database.db, '20261123-000001', '请问公积金怎么提取？');

  const status = await database.db.transaction((tx) =>
    appendTicketEvents(tx, names, { id, status: 'received', version: 1 }, [newTicketEvent(id, 'answered', { answer: '可在网上办理' }, ctx)]),
  );
  t.equal(status, 'answered');
  const [row] = await database.db.select().from(tickets).where(eq(tickets.id, id));
  t.equal(row?.status, 'answered');
  t.equal(row?.version, 2);
  const out = await database.db.select().from(outbox);
  t.same(
    out.map((o) => o.subject),
    ['dbtest.hotline.ticket.noted', 'dbtest.hotline.ticket.answered'],
  );

  const illegal = database.db.transaction((tx) =>
    appendTicketEvents(tx, names, { id, status: 'answered', version: 2 }, [newTicketEvent(id, 'accepted', { department: 'housing', acceptDeadline: null }, ctx)]),
  );
  await t.rejects(illegal, { name: 'HotlineError', code: 'illegal_transition' }, 'an illegal step is refused');

  const stale = database.db.transaction((tx) =>
    appendTicketEvents(tx, names, { id, status: 'received', version: 1 }, [newTicketEvent(id, 'noted', { note: 'late' }, ctx)]),
  );
  await t.rejects(stale, { name: 'HotlineError', code: 'conflict' }, 'a stale version is a conflict');

  t.equal((await database.db.select().from(ticketEvents)).length, 2, 'refused steps left no history');
  t.equal((await database.db.select().from(outbox)).length, 2, 'and no outbox rows');
});

t.test('appending in one statement: only a ticket still as expected moves, with its history and outbox rows in order', async (t) => {
  const database = await createTestDatabase(new Cleanup(t));
  const id = await receivedTicketWithANote(database.db, '20261123-000002', '楼下夜间施工噪音很大');
  const triaged = newTicketEvent(id, 'triaged', { reason: 'unsure', suggestion: null, modelVersion: 'v1' }, ctx);
  const extra = [{ id: uuidv7(), subject: 'dbtest.hotline.dispatch.housing', payload: { hello: '住建' } }];

  t.equal(await appendTicketEventsIfUnchanged(database.db, names, { id, status: 'received' }, [triaged], { confidence: 0.4 }, extra), true);
  const [row] = await database.db.select().from(tickets).where(eq(tickets.id, id));
  t.match(row, { status: 'triage', version: 2, confidence: 0.4 });
  t.equal(row?.updatedAt.toISOString(), triaged.occurredAt, 'updated at the event');
  const history = await database.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, id)).orderBy(asc(ticketEvents.seq));
  t.same(
    history.map((h) => [h.seq, h.type, h.actorId, h.requestId]),
    [
      [0, 'noted', 'agent-1', 'req-1'],
      [1, 'triaged', 'agent-1', 'req-1'],
    ],
  );
  t.same(history[1]?.data, triaged.data);
  t.equal(history[1]?.occurredAt.toISOString(), triaged.occurredAt);
  const out = await database.db.select().from(outbox).orderBy(asc(outbox.position));
  t.same(
    out.map((o) => [o.id, o.subject]),
    [
      [out[0]?.id, 'dbtest.hotline.ticket.noted'],
      [triaged.id, 'dbtest.hotline.ticket.triaged'],
      [extra[0]?.id, 'dbtest.hotline.dispatch.housing'],
    ],
    'the event goes out before the message that follows from it',
  );
  t.same(out[1]?.payload, triaged, 'the outbox carries the whole event');
  t.same(out[2]?.payload, { hello: '住建' });

  const again = newTicketEvent(id, 'triaged', { reason: 'redelivered', suggestion: null, modelVersion: 'v1' }, ctx);
  t.equal(await appendTicketEventsIfUnchanged(database.db, names, { id, status: 'received' }, [again]), false, 'no longer received: left alone');
  const noted = newTicketEvent(id, 'noted', { note: 'stale' }, ctx);
  t.equal(await appendTicketEventsIfUnchanged(database.db, names, { id, status: 'triage', version: 1 }, [noted]), false, 'an old version: left alone');
  t.equal(await appendTicketEventsIfUnchanged(database.db, names, { id: uuidv7(), status: 'triage' }, [noted]), false, 'no such ticket');
  await t.rejects(
    appendTicketEventsIfUnchanged(database.db, names, { id, status: 'triage', version: 2 }, [newTicketEvent(id, 'accepted', { department: 'housing', acceptDeadline: null }, ctx)]),
    { name: 'HotlineError', code: 'illegal_transition' },
  );
  t.equal((await database.db.select().from(ticketEvents)).length, 2, 'nothing else in the history');
  t.equal((await database.db.select().from(outbox)).length, 3, 'nor in the outbox');
  const [after] = await database.db.select().from(tickets).where(eq(tickets.id, id));
  t.match(after, { status: 'triage', version: 2 });

  t.equal(await appendTicketEventsIfUnchanged(database.db, names, { id, status: 'triage', version: 2 }, [noted]), true, 'the current version moves');
  const [last] = await database.db.select().from(ticketEvents).where(eq(ticketEvents.id, noted.id));
  t.equal(last?.seq, 2);
});

t.test('the history shown with a ticket is the one its version reflects, whatever landed after it was read', async (t) => {
  const database = await createTestDatabase(new Cleanup(t));
  const id = await receivedTicketWithANote(database.db, '20261123-000003', '小区门口路灯不亮');
  const [asRead] = await database.db.select().from(tickets).where(eq(tickets.id, id));
  // Between reading the ticket and its history, the classifier moves it on.
  const triaged = newTicketEvent(id, 'triaged', { reason: 'unsure', suggestion: null, modelVersion: 'v1' }, ctx);
  t.equal(await appendTicketEventsIfUnchanged(database.db, names, { id, status: 'received' }, [triaged]), true);
  if (!asRead) throw new Error('no ticket');
  t.same(
    (await ticketHistory(database.db, asRead)).map((h) => h.type),
    ['noted'],
    'the ticket as read (received, version 1) with its one event, not a triaged event its status does not show',
  );
  const [now] = await database.db.select().from(tickets).where(eq(tickets.id, id));
  if (!now) throw new Error('no ticket');
  t.same(
    (await ticketHistory(database.db, now)).map((h) => h.type),
    ['noted', 'triaged'],
  );
});

/** Everything the one-statement append may write, to tell what a call changed. */
async function ticketState(db: Db, id: string) {
  return {
    ticket: (await db.select().from(tickets).where(eq(tickets.id, id)))[0],
    history: await db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, id)).orderBy(asc(ticketEvents.seq)),
    outbox: await db.select().from(outbox).orderBy(asc(outbox.position)),
  };
}

t.test('appending in one statement: the rows written field for field, for one event and for two in the same shape', async (t) => {
  const database = await createTestDatabase(new Cleanup(t));
  const db = database.db;
  const id = await receivedTicketWithANote(db, '20261123-000004', '公交站台的顶棚被风吹坏了');
  const before = await ticketState(db, id);
  const message = (payload: unknown): OutboxMessage => ({ id: uuidv7(), subject: 'dbtest.hotline.dispatch.transport', payload });

  // One event and one extra message; the patch sets timestamps (one to null), an array, reals and text.
  const noted = newTicketEvent(id, 'noted', { note: '市民补充：东侧站台' }, { actor: { role: 'system', id: 'classifier' }, requestId: null, at: new Date('2026-11-23T02:00:00.123Z') });
  const first = [message({ step: 1, nested: { list: [1, '二'], none: null } })];
  const patch1 = {
    dispatchedAt: new Date('2026-11-23T02:00:00.456Z'),
    acceptedAt: new Date('2026-11-23T03:00:00Z'),
    coDepartments: ['transport', 'urban "management"', 'a,b'],
    confidence: 0.25,
    latitude: 31.230416,
    modelVersion: 'v1',
    district: '黄浦区',
  };
  t.equal(await appendTicketEventsIfUnchanged(db, names, { id, status: 'received', version: 1 }, [noted], patch1, first), true);
  const afterOne = await ticketState(db, id);
  t.strictSame(afterOne.ticket, { ...before.ticket, ...patch1, status: 'received', version: 2, updatedAt: new Date(noted.occurredAt) }, 'the ticket: the patch, the status, the version and updated at the event');
  t.strictSame(afterOne.history, [...before.history, ...eventRows([noted], 1)], 'the history row, field for field');
  const outbox1 = afterOne.outbox.slice(before.outbox.length);
  t.strictSame(
    outbox1.map(({ id, subject, payload, sentAt }) => ({ id, subject, payload, sentAt })),
    [
      { id: noted.id, subject: 'dbtest.hotline.ticket.noted', payload: noted, sentAt: null },
      { ...first[0], sentAt: null },
    ],
    'the outbox rows, the event first',
  );
  t.ok(outbox1.every((o, i) => i === 0 || o.position > (outbox1[i - 1]?.position ?? Infinity)), 'in position order');

  t.equal(await appendTicketEventsIfUnchanged(db, names, { id, status: 'received', version: 1 }, [noted], patch1, first), false, 'the same call again: left alone');
  t.strictSame(await ticketState(db, id), afterOne, 'and nothing changed');

  // The same shape (the same patch columns, a version expected) with two events and two messages.
  const classified = newTicketEvent(
    id,
    'classified',
    { categoryCode: '0101', categoryName: '交通', department: 'transport', confidence: 0.9, modelVersion: 'v2', alternatives: [] },
    { ...ctx, at: new Date('2026-11-23T04:00:00Z') },
  );
  const dispatched = newTicketEvent(
    id,
    'dispatched',
    { department: 'transport', coDepartments: [], acceptDeadline: '2026-11-23T06:00:00.000Z', replyDeadline: '2026-12-07T09:30:00.000Z', catalogueVersion: null },
    { ...ctx, at: new Date('2026-11-23T04:00:01.789Z') },
  );
  const second = [message({ step: 2 }), message('third')];
  const patch2 = { ...patch1, dispatchedAt: new Date('2026-11-23T04:00:01.789Z'), acceptedAt: null, coDepartments: [], confidence: 0.9, latitude: null, district: null };
  t.equal(await appendTicketEventsIfUnchanged(db, names, { id, status: 'received', version: 2 }, [classified, dispatched], patch2, second), true);
  const afterTwo = await ticketState(db, id);
  t.strictSame(afterTwo.ticket, { ...afterOne.ticket, ...patch2, status: 'dispatched', version: 4, updatedAt: new Date(dispatched.occurredAt) }, 'nulls written as nulls');
  t.strictSame(afterTwo.history, [...afterOne.history, ...eventRows([classified, dispatched], 2)], 'two history rows, seq 2 and 3');
  t.strictSame(
    afterTwo.outbox.slice(afterOne.outbox.length).map(({ id, subject, payload, sentAt }) => ({ id, subject, payload, sentAt })),
    [
      { id: classified.id, subject: 'dbtest.hotline.ticket.classified', payload: classified, sentAt: null },
      { id: dispatched.id, subject: 'dbtest.hotline.ticket.dispatched', payload: dispatched, sentAt: null },
      { ...second[0], sentAt: null },
      { ...second[1], sentAt: null },
    ],
  );

  t.equal(await appendTicketEventsIfUnchanged(db, names, { id, status: 'received', version: 2 }, [classified, dispatched], patch2, second), false);
  t.strictSame(await ticketState(db, id), afterTwo, 'the second call again changed nothing');
});

t.test('appending in one statement inside a transaction: it is part of it', async (t) => {
  const database = await createTestDatabase(new Cleanup(t));
  const db = database.db;
  const id = await receivedTicketWithANote(db, '20261123-000005', '路口信号灯坏了');
  const before = await ticketState(db, id);
  const triaged = newTicketEvent(id, 'triaged', { reason: 'unsure', suggestion: null, modelVersion: 'v1' }, ctx);

  const rolledBack = db.transaction(async (tx) => {
    t.equal(await appendTicketEventsIfUnchanged(tx, names, { id, status: 'received' }, [triaged], { confidence: 0.5 }), true);
    const [seen] = await tx.select().from(tickets).where(eq(tickets.id, id));
    t.equal(seen?.status, 'triage', 'seen by the transaction');
    throw new Error('roll back');
  });
  await t.rejects(rolledBack, { message: 'roll back' });
  t.strictSame(await ticketState(db, id), before, 'rolled back with it');

  await db.transaction(async (tx) => {
    t.equal(await appendTicketEventsIfUnchanged(tx, names, { id, status: 'received' }, [triaged], { confidence: 0.5 }), true);
  });
  const after = await ticketState(db, id);
  t.match(after.ticket, { status: 'triage', version: 2, confidence: 0.5 });
  t.strictSame(after.history, [...before.history, ...eventRows([triaged], 1)]);
  t.equal(after.outbox.length, before.outbox.length + 1);
});

t.test('appending to many tickets at once: each moves or stays on its own, in one statement per patch shape', async (t) => {
  const database = await createTestDatabase(new Cleanup(t));
  const db = database.db;
  const [a, b, c, d] = await Promise.all(
    ['路灯不亮', '小区噪音扰民', '公交线路调整', '学校收费'].map((content, i) => receivedTicketWithANote(db, `20261123-00010${i}`, content)),
  );
  const ids = [a, b, c, d] as string[];
  const before = await Promise.all(ids.map((id) => ticketState(db, id)));
  const triaged = (id: string) => newTicketEvent(id, 'triaged', { reason: 'unsure', suggestion: null, modelVersion: 'v1' }, ctx);
  const dispatchTo = (id: string) => [{ id: uuidv7(), subject: 'dbtest.hotline.dispatch.housing', payload: { ticket: id } }];
  const changes = [
    { expected: { id: a as string, status: 'received' as const }, events: [triaged(a as string)], patch: { confidence: 0.4 } },
    // Expects a version the ticket is no longer at: left alone, the others still move.
    { expected: { id: b as string, status: 'received' as const, version: 7 }, events: [triaged(b as string)], patch: { confidence: 0.5 } },
    { expected: { id: c as string, status: 'received' as const, version: 1 }, events: [triaged(c as string)], patch: { confidence: 0.6 }, extra: dispatchTo(c as string) },
    // Another patch shape: a statement of its own.
    { expected: { id: d as string, status: 'received' as const }, events: [triaged(d as string)], patch: { confidence: 0.7, modelVersion: 'v9' } },
  ];

  const moved = await appendToTicketsIfUnchanged(db, names, changes);
  t.strictSame([...moved].sort(), [a, c, d].sort(), 'the tickets still as expected moved');
  const after = await Promise.all(ids.map((id) => ticketState(db, id)));
  t.strictSame(after[1]?.ticket, before[1]?.ticket, 'the other one is as it was');
  t.strictSame(after[1]?.history, before[1]?.history, 'with no history row');
  for (const [i, confidence] of [[0, 0.4], [2, 0.6], [3, 0.7]] as const) {
    const change = changes[i] as (typeof changes)[number];
    t.match(after[i]?.ticket, { status: 'triage', version: 2, confidence }, `ticket ${i}: moved with its own patch`);
    t.strictSame(after[i]?.history, [...(before[i]?.history ?? []), ...eventRows(change.events, 1)], `ticket ${i}: its own history row at seq 1`);
  }
  t.equal(after[3]?.ticket?.modelVersion, 'v9');
  t.equal(after[0]?.ticket?.modelVersion, null, 'a column outside its patch left as it was');
  const out = await db.select().from(outbox).orderBy(asc(outbox.position));
  const ofC = out.filter((o) => o.id === changes[2]?.events[0]?.id || o.id === changes[2]?.extra?.[0]?.id).map((o) => o.subject);
  t.strictSame(ofC, ['dbtest.hotline.ticket.triaged', 'dbtest.hotline.dispatch.housing'], "a ticket's event goes out before its message");
  t.equal(out.length, (before[3]?.outbox.length ?? 0) + 4, 'one outbox row per moved event and message, none for the ticket left alone');

  t.strictSame(await appendToTicketsIfUnchanged(db, names, changes), new Set(), 'the same changes again: nothing moves');
  await t.rejects(appendToTicketsIfUnchanged(db, names, [changes[1], changes[1]] as typeof changes), /one change per ticket/, 'a ticket twice is refused');
  const stillReceived = { expected: { id: b as string, status: 'received' as const }, events: [triaged(b as string)] };
  await t.rejects(
    appendToTicketsIfUnchanged(db, names, [{ ...stillReceived, patch: { status: 'closed', version: 9 } }]),
    /a patch cannot set status, version/,
    'the status and version come from the events, never from a patch',
  );
  t.strictSame(await appendToTicketsIfUnchanged(db, names, [{ ...stillReceived, patch: { confidence: 0.3, modelVersion: undefined } }]), new Set([b]));
  t.match((await ticketState(db, b as string)).ticket, { status: 'triage', confidence: 0.3, modelVersion: null }, 'a key set to undefined is left alone, as drizzle does');
});
