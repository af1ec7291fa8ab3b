import { parseTicketEvent } from '@hotline/contracts';
import { outbox } from '@hotline/db';
import { collectMessages, startNatsServer, waitForJetStream } from '@hotline/testkit';
import { isNull } from 'drizzle-orm';
import t from 'tap';
import { agent, buildTestIntake, sampleTicket } from './helper';

t.test('with NATS stopped intake still answers 201, and the events arrive once NATS is back', async (t) => {
  const nats = await startNatsServer(t);
  const { app, bus, database } = await buildTestIntake(t, { NATS_URL: nats.url });

  await nats.stop();
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { ...sampleTicket, content: `停电期间的诉求 ${i}` } });
    t.equal(res.statusCode, 201, `ticket ${i} accepted while NATS is down`);
    ids.push(res.json().id);
  }
  t.equal((await database.db.select().from(outbox).where(isNull(outbox.sentAt))).length, 20, 'the outbox holds them');
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200, 'still ready: the outbox carries the events');

  await nats.start();
  await waitForJetStream(bus);
  const events = await collectMessages(bus, bus.names.tickets, bus.names.ticketSubject('received'));
  t.teardown(() => events.stop());
  await events.waitFor(20, 20_000);
  await new Promise((r) => setTimeout(r, 500));
  const ticketIds = events.received.map((m) => parseTicketEvent(m.data).ticketId);
  t.equal(ticketIds.length, 20, 'each event arrives exactly once');
  t.same(new Set(ticketIds), new Set(ids));
  t.same(ticketIds, ids, 'in the order they were accepted');
});
