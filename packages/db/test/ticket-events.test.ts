import { streamNames } from '@hotline/contracts';
import { Cleanup, createTestDatabase } from '@hotline/testkit';
import { eq } from 'drizzle-orm';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { appendTicketEvents, departments, insertEvents, newTicketEvent, outbox, ticketEvents, tickets, categories } from '../src/index';

const names = streamNames('dbtest');
const ctx = { actor: { role: 'agent' as const, id: 'agent-1' }, requestId: 'req-1' };

t.test('migrations and seeds: the catalogue is there', async (t) => {
  const database = await createTestDatabase(new Cleanup(t));
  t.ok((await database.db.select().from(departments)).length >= 29);
  t.equal((await database.db.select().from(categories).where(eq(categories.level, 1))).length, 15);
});

t.test('appending events: history, outbox and projection move together; illegal steps write nothing', async (t) => {
  const database = await createTestDatabase(new Cleanup(t));
  const id = uuidv7();
  const now = new Date();
  await database.db.transaction(async (tx) => {
    await tx.insert(tickets).values({
      id,
      number: '20261123-000001',
      channel: 'phone',
      type: 'consultation',
      urgency: 'normal',
      title: '公积金提取',
      content: '请问公积金怎么提取？',
      status: 'received',
      version: 1,
      createdBy: 'agent-1',
      createdAt: now,
      updatedAt: now,
    });
    await insertEvents(tx, names, [newTicketEvent(id, 'noted', { note: 'first' }, ctx)], 0);
  });

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
