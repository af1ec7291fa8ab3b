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
  await sleep(1_500);
  t.equal(handled.length, 3, 'nothing handled twice after its ack, invalid ones never');
});
