import { Cleanup, createTestBus, sleep, testLogger, uniqueName } from '@hotline/testkit';
import t from 'tap';
import { z } from 'zod';
import { startConsumer } from '../src/index';

t.test('a durable consumer acks after the handler, retries a failure, and terminates invalid messages', async (t) => {
  const cleanup = new Cleanup(t);
  const bus = await createTestBus(cleanup);
  const subject = bus.names.ticketSubject('noted');
  const handled: number[] = [];
  let failOnce = true;
  const consumer = await startConsumer(bus, {
    stream: bus.names.tickets,
    durable: uniqueName('durable'),
    filterSubjects: [subject],
    parse: (data) => z.object({ n: z.number() }).parse(data),
    handle: async ({ n }) => {
      if (n === 2 && failOnce) {
        failOnce = false;
        throw new Error('database away');
      }
      handled.push(n);
    },
    logger: testLogger,
    concurrency: 4,
    // A message left unacknowledged would come back within the wait at the end.
    ackWaitMs: 2_000,
  });
  cleanup.teardown(() => consumer.stop());

  await bus.js.publish(subject, JSON.stringify({ n: 1 }));
  await bus.js.publish(subject, JSON.stringify({ n: 2 }));
  await bus.js.publish(subject, 'not json');
  await bus.js.publish(subject, JSON.stringify({ n: 'three' }));
  await bus.js.publish(subject, JSON.stringify({ n: 4 }));
  const until = Date.now() + 10_000;
  while (handled.length < 3 && Date.now() < until) await sleep(50);
  t.same([...handled].sort(), [1, 2, 4], 'the failed message came back and was handled');
  await sleep(2_500);
  t.equal(handled.length, 3, 'nothing handled twice after its ack, invalid ones never');
});

t.test('a batching consumer takes what queued up while it was busy in one batch, and handles a failed batch one by one', async (t) => {
  const cleanup = new Cleanup(t);
  const bus = await createTestBus(cleanup);
  const subject = bus.names.ticketSubject('noted');
  const handledAlone: number[] = [];
  const batches: number[][] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let poisonFailsAlone = true;
  const consumer = await startConsumer(bus, {
    stream: bus.names.tickets,
    durable: uniqueName('durable'),
    filterSubjects: [subject],
    parse: (data) => z.object({ n: z.number() }).parse(data),
    handle: async ({ n }) => {
      if (n === 0) await gate;
      if (n === 13 && poisonFailsAlone) {
        poisonFailsAlone = false;
        throw new Error('database refused this one');
      }
      handledAlone.push(n);
    },
    handleBatch: async (messages) => {
      const ns = messages.map((m) => m.n);
      batches.push(ns);
      if (ns.includes(13)) throw new Error('database refused the batch');
    },
    batchSize: 20,
    logger: testLogger,
    concurrency: 1,
    // A message left unacknowledged would come back within the wait at the end.
    ackWaitMs: 2_000,
  });
  cleanup.teardown(() => consumer.stop());

  await bus.js.publish(subject, JSON.stringify({ n: 0 }));
  await sleep(200);
  for (let n = 1; n <= 30; n++) await bus.js.publish(subject, JSON.stringify({ n }));
  await bus.js.publish(subject, 'not json');
  await sleep(300);
  release();
  const until = Date.now() + 10_000;
  const handled = () => [...handledAlone, ...batches.filter((b) => !b.includes(13)).flat()].sort((a, b) => a - b);
  while (handled().length < 31 && Date.now() < until) await sleep(50);
  t.strictSame(handled(), Array.from({ length: 31 }, (_, n) => n), 'every message handled, the refused one after it came back');
  t.strictSame(batches[0], Array.from({ length: 20 }, (_, i) => i + 1), 'the first 20 that queued up while the first was handled: one batch, in order');
  t.strictSame(batches[1], Array.from({ length: 10 }, (_, i) => i + 21), 'the other 10 the next');
  t.strictSame(handledAlone.slice(0, 1), [0], 'a message alone goes to the one-message handler');
  t.strictSame(
    handledAlone.slice(1).sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i + 1),
    'the refused batch was handled one by one (13 when it came back)',
  );
  await sleep(2_500);
  t.equal(handled().length, 31, 'nothing handled twice after its ack');
});
