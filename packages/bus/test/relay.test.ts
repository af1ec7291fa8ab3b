import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Cleanup, collectMessages, createTestBus, createTestDatabase, NATS_URL, sleep, testLogger } from '@hotline/testkit';
import postgres from 'postgres';
import t from 'tap';
import { OutboxRelay } from '../src/index';

const relayProcess = fileURLToPath(new URL('./fixtures/relay-process.ts', import.meta.url));

async function fill(sql: import('postgres').Sql, subject: string, count: number) {
  await sql`insert into outbox (id, subject, payload)
    select gen_random_uuid(), ${subject}, jsonb_build_object('n', g) from generate_series(1, ${count}) g`;
}

/** A database with an outbox, a stream of its own, and the messages arriving on it. */
async function outboxAndStream(t: ConstructorParameters<typeof Cleanup>[0]) {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  const bus = await createTestBus(cleanup);
  const subject = bus.names.ticketSubject('noted');
  const messages = await collectMessages(bus, bus.names.tickets, subject);
  cleanup.teardown(() => messages.stop());
  return { cleanup, database, bus, subject, messages };
}

t.test('publishes in order with the row id as Nats-Msg-Id and wakes on NOTIFY, not on a poll', async (t) => {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  const bus = await createTestBus(cleanup);
  const relay = new OutboxRelay({ sql: database.sql, bus, logger: testLogger, pollMs: 60_000 });
  await relay.start();
  cleanup.teardown(() => relay.stop());
  const subject = bus.names.ticketSubject('noted');
  const messages = await collectMessages(bus, bus.names.tickets, subject);
  cleanup.teardown(() => messages.stop());

  await sleep(200);
  const started = Date.now();
  await fill(database.sql, subject, 1);
  await messages.waitFor(1, 5_000);
  const latency = Date.now() - started;
  t.ok(latency < 1_000, `arrived ${latency} ms after the commit, with a 60 s poll`);

  await fill(database.sql, subject, 2_000);
  await messages.waitFor(2_001, 20_000);
  const ns = messages.received.map((m) => (m.data as { n: number }).n);
  t.same(ns.slice(1), Array.from({ length: 2_000 }, (_, i) => i + 1), 'in outbox order');
  const rows = await database.sql<{ id: string; sent: boolean }[]>`select id, sent_at is not null as sent from outbox order by position`;
  t.ok(rows.every((r) => r.sent), 'every row is marked sent');
  t.same(
    messages.received.map((m) => m.msgId),
    rows.map((r) => r.id),
    'Nats-Msg-Id is the row id',
  );
});

t.test('a row committed while the relay marks the last batch sent is published at once, not after a poll', async (t) => {
  const { cleanup, database, bus, subject, messages } = await outboxAndStream(t);
  await fill(database.sql, subject, 1);
  // Another session holds the row, so the relay's marking it sent (before it sleeps) waits.
  const locker = await database.sql.reserve();
  cleanup.teardown(() => locker.release());
  await locker`begin`;
  await locker`select 1 from outbox for no key update`;

  const relay = new OutboxRelay({ sql: database.sql, bus, logger: testLogger, pollMs: 60_000 });
  await relay.start();
  cleanup.teardown(() => relay.stop());
  await messages.waitFor(1, 5_000);
  await sleep(200);
  const started = Date.now();
  await fill(database.sql, subject, 1); // its NOTIFY arrives while the mark waits
  await sleep(100);
  await locker`commit`;
  await messages.waitFor(2, 10_000);
  const latency = Date.now() - started;
  t.ok(latency < 2_000, `arrived ${latency} ms after the commit, with a 60 s poll`);
});

t.test('only the relay holding the lock listens; the one standing by takes over when it stops', async (t) => {
  const { cleanup, database, bus, subject, messages } = await outboxAndStream(t);
  // Each relay on a pool of its own, as in two processes.
  const standbySql = postgres(database.url, { max: 2, onnotice: () => {} });
  cleanup.teardown(() => standbySql.end());
  const listeners = async () =>
    Number(
      (await database.sql`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and state = 'idle' and query ilike 'listen %'`)[0]?.n,
    );

  const holder = new OutboxRelay({ sql: database.sql, bus, logger: testLogger, pollMs: 100 });
  await holder.start();
  await fill(database.sql, subject, 1);
  await messages.waitFor(1, 5_000);
  const standby = new OutboxRelay({ sql: standbySql, bus, logger: testLogger, pollMs: 100 });
  await standby.start();
  cleanup.teardown(() => standby.stop());
  await sleep(500);
  t.equal(await listeners(), 1, 'one session listens with two relays running');

  await holder.stop();
  await fill(database.sql, subject, 1);
  await messages.waitFor(2, 5_000);
  await sleep(200);
  t.equal(await listeners(), 1, 'the relay that took over listens, the stopped one no longer does');
  t.same(
    messages.received.map((m) => m.data),
    [{ n: 1 }, { n: 1 }],
    'each payload arrives as it was stored',
  );
});

t.test('a relay killed mid-batch and restarted publishes nothing twice', async (t) => {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  const bus = await createTestBus(cleanup);
  const subject = bus.names.ticketSubject('noted');
  const total = 20_000;
  await fill(database.sql, subject, total);

  const env = { ...process.env, DATABASE_URL: database.url, NATS_URL, NATS_PREFIX: bus.prefix, BATCH_SIZE: '2000' };
  const startRelay = () => spawn(process.execPath, ['--import', 'tsx', relayProcess], { env, stdio: 'inherit' });
  const streamCount = async () => Number((await bus.jsm.streams.info(bus.names.tickets)).state.messages);
  const sentCount = async () => Number((await database.sql`select count(*)::int as n from outbox where sent_at is not null`)[0]?.n);

  const first = startRelay();
  let published: number;
  let marked: number;
  const until = Date.now() + 60_000;
  // Kill it while it has published rows it has not yet marked sent, the case that republishes.
  while (Date.now() < until) {
    published = await streamCount();
    marked = await sentCount();
    if (published > marked) break;
    await sleep(2);
  }
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  published = await streamCount();
  marked = await sentCount();
  t.ok(published < total, `killed mid-run: ${published} of ${total} published, ${marked} marked sent`);
  t.ok(published > marked, 'some rows were published but not marked sent when it died');

  const second = startRelay();
  cleanup.teardown(async () => {
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
  });
  const deadline = Date.now() + 60_000;
  while ((await sentCount()) < total && Date.now() < deadline) await sleep(100);
  t.equal(await sentCount(), total, 'the restarted relay finished the outbox');
  t.equal(await streamCount(), total, 'the stream holds each row once');

  const messages = await collectMessages(bus, bus.names.tickets, subject);
  cleanup.teardown(() => messages.stop());
  await messages.waitFor(total, 30_000);
  await sleep(300);
  const ns = messages.received.map((m) => (m.data as { n: number }).n);
  t.equal(ns.length, total, 'a consumer receives each event exactly once');
  t.equal(new Set(ns).size, total);
});
