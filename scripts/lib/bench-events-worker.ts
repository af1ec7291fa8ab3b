/**
 * Runs in a worker thread of its own: records when each `received` event arrives from
 * JetStream. Off the main thread so that autocannon's event loop, busy with 32 sockets,
 * does not delay the arrival timestamps and inflate the latency being measured.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { EventsWorkerData, EventsWorkerResult } from './bench-events';

const data = workerData as EventsWorkerData;
const port = parentPort;
if (!port) throw new Error('bench-events-worker must run as a worker thread');

const arrived = new Int32Array(data.counter);
const ticketIds: string[] = [];
// Grown by doubling; typed arrays keep ~100k samples cheap to hand back to the main thread.
let arrivalWall = new Float64Array(65_536);
let arrivalMono = new Float64Array(65_536);
let occurredAt = new Float64Array(65_536);
let invalid = 0;

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

const nc = await connect({ servers: data.natsUrl, name: `${data.prefix}-bench-events` });
const js = jetstream(nc);
const consumer = await js.consumers.get(data.stream, { filter_subjects: data.subject, deliver_policy: DeliverPolicy.All });
// A deep buffer so the client keeps a pull outstanding and never waits on a refill round trip.
const messages = await consumer.consume({ max_messages: 2_000 });

const loop = (async () => {
  for await (const m of messages) {
    // Both clocks first, before any parsing, so the figures are of arrival, not of JSON work.
    const wall = Date.now();
    const mono = Number(process.hrtime.bigint()) / 1e6;
    const event = m.json<{ ticketId?: unknown; occurredAt?: unknown }>();
    // Dispatch messages carry no occurredAt: their time is then NaN, and only arrival counts.
    const at = typeof event.occurredAt === 'string' ? Date.parse(event.occurredAt) : Number.NaN;
    if (typeof event.ticketId !== 'string' || (data.requireOccurredAt !== false && Number.isNaN(at))) {
      invalid++;
      continue;
    }
    const n = ticketIds.length;
    if (n === arrivalWall.length) {
      arrivalWall = grow(arrivalWall);
      arrivalMono = grow(arrivalMono);
      occurredAt = grow(occurredAt);
    }
    ticketIds.push(event.ticketId);
    arrivalWall[n] = wall;
    arrivalMono[n] = mono;
    occurredAt[n] = at;
    Atomics.store(arrived, 0, n + 1);
  }
})();

port.on('message', (msg: unknown) => {
  if (msg !== 'stop') return;
  void (async () => {
    await messages.close();
    await loop;
    await nc.close();
    const n = ticketIds.length;
    const result: EventsWorkerResult = {
      ticketIds,
      arrivalWall: arrivalWall.slice(0, n),
      arrivalMono: arrivalMono.slice(0, n),
      occurredAt: occurredAt.slice(0, n),
      invalid,
    };
    port.postMessage(result, [result.arrivalWall.buffer, result.arrivalMono.buffer, result.occurredAt.buffer]);
  })();
});

port.postMessage('ready');
