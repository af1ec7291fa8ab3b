import { AckPolicy, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { Bus, Log } from './connect';

export interface ConsumerSpec<T> {
  stream: string;
  durable: string;
  filterSubjects: string[];
  /** Validates a message's JSON; a message that fails is terminated, never retried. */
  parse: (data: unknown) => T;
  handle: (message: T, msg: JsMsg) => Promise<void>;
  logger: Log;
  /** Messages handled at once by this replica. */
  concurrency?: number;
  ackWaitMs?: number;
}

export interface RunningConsumer {
  stop(): Promise<void>;
}

/** JetStream answers these while a cluster elects leaders or a node restarts; asking again helps. */
function isTransient(err: unknown): boolean {
  return err instanceof Error && /temporarily unavailable|timeout|TIMEOUT|no responders|leader|not available/i.test(err.message);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Creates (or updates) a durable pull consumer with explicit acks. Idempotent. Retries for
 * up to `retryForMs` while JetStream is briefly unavailable (a service starting while NATS
 * restarts must wait for it, not exit).
 */
export async function ensureConsumer(
  bus: Bus,
  spec: Pick<ConsumerSpec<unknown>, 'stream' | 'durable' | 'filterSubjects' | 'ackWaitMs'>,
  retryForMs = 60_000,
) {
  const until = Date.now() + retryForMs;
  for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      await putConsumer(bus, spec);
      return;
    } catch (err) {
      if (!isTransient(err) || Date.now() + wait > until) throw err;
      await sleep(wait);
    }
  }
}

async function putConsumer(bus: Bus, spec: Pick<ConsumerSpec<unknown>, 'stream' | 'durable' | 'filterSubjects' | 'ackWaitMs'>) {
  const config = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ...(spec.filterSubjects.length === 1 ? { filter_subject: spec.filterSubjects[0] } : { filter_subjects: spec.filterSubjects }),
    ack_wait: (spec.ackWaitMs ?? 30_000) * 1_000_000,
    max_deliver: -1,
  };
  try {
    await bus.jsm.consumers.info(spec.stream, spec.durable);
    await bus.jsm.consumers.update(spec.stream, spec.durable, config);
  } catch (err) {
    if (!(err instanceof Error && /not found/i.test(err.message))) throw err;
    await bus.jsm.consumers.add(spec.stream, config);
  }
}

/**
 * Consumes a durable consumer: acknowledges after `handle` resolves (its transaction has
 * committed), naks with a delay when it throws so the message comes back, terminates
 * messages that are not valid events. Handlers must be idempotent: redelivery happens.
 */
export async function startConsumer<T>(bus: Bus, spec: ConsumerSpec<T>): Promise<RunningConsumer> {
  await ensureConsumer(bus, spec);
  const consumer = await bus.js.consumers.get(spec.stream, spec.durable);
  const messages = await consumer.consume({ max_messages: Math.max(64, (spec.concurrency ?? 1) * 4) });
  const log = spec.logger.child({ consumer: spec.durable });
  const limit = spec.concurrency ?? 1;
  const inFlight = new Set<Promise<void>>();

  const process = async (msg: JsMsg) => {
    let parsed: T;
    try {
      parsed = spec.parse(msg.json());
    } catch (err) {
      log.error({ err, subject: msg.subject, seq: msg.seq }, 'invalid message terminated');
      msg.term('invalid message');
      return;
    }
    try {
      await spec.handle(parsed, msg);
      msg.ack();
    } catch (err) {
      log.error({ err, subject: msg.subject, seq: msg.seq, redeliveries: msg.info.deliveryCount }, 'handler failed; will retry');
      msg.nak(Math.min(30_000, 500 * 2 ** Math.min(6, msg.info.deliveryCount)));
    }
  };

  const loop = (async () => {
    for await (const msg of messages) {
      const p = process(msg).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= limit) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  })();

  return {
    stop: async () => {
      await messages.close();
      await loop;
    },
  };
}
