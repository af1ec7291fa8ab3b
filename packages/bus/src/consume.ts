import { AckPolicy, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { Bus, Log } from './connect';

export interface ConsumerSpec<T> {
  stream: string;
  durable: string;
  filterSubjects: string[];
  /** Validates a message's JSON; a message that fails is terminated, never retried. */
  parse: (data: unknown) => T;
  handle: (message: T, msg: JsMsg) => Promise<void>;
  /**
   * Handles the messages that queued up while the one before was handled, all at once (e.g. in
   * one statement), so the work per message falls as the load rises. When it throws, they go to
   * `handle` one after the other, so one bad message cannot hold the others back.
   */
  handleBatch?: (messages: T[]) => Promise<void>;
  /** Most messages in one batch. */
  batchSize?: number;
  logger: Log;
  /** Messages (batches, with `handleBatch`) handled at once by this replica. */
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
  const limit = spec.concurrency ?? 1;
  const batchSize = spec.handleBatch ? (spec.batchSize ?? 64) : 1;
  // Delivered but unacknowledged: what is being handled, one batch waiting, and this pull's buffer.
  const messages = await consumer.consume({ max_messages: Math.max(64, limit * batchSize) });
  const log = spec.logger.child({ consumer: spec.durable });
  const inFlight = new Set<Promise<void>>();

  /** The message's event, or undefined for a message that is not valid (terminated: it would never become valid). */
  const parseOrTerminate = (msg: JsMsg): T | undefined => {
    try {
      return spec.parse(msg.json());
    } catch (err) {
      log.error({ err, subject: msg.subject, seq: msg.seq }, 'invalid message terminated');
      msg.term('invalid message');
      return undefined;
    }
  };

  const handleOne = async (message: T, msg: JsMsg) => {
    try {
      await spec.handle(message, msg);
      msg.ack();
    } catch (err) {
      log.error({ err, subject: msg.subject, seq: msg.seq, redeliveries: msg.info.deliveryCount }, 'handler failed; will retry');
      msg.nak(Math.min(30_000, 500 * 2 ** Math.min(6, msg.info.deliveryCount)));
    }
  };

  const handleMessages = async (batch: JsMsg[]) => {
    const valid = batch.flatMap((msg) => {
      const message = parseOrTerminate(msg);
      return message === undefined ? [] : [{ message, msg }];
    });
    if (valid.length > 1 && spec.handleBatch) {
      try {
        await spec.handleBatch(valid.map((v) => v.message));
        for (const v of valid) v.msg.ack();
        log.debug({ messages: valid.length }, 'batch handled');
        return;
      } catch (err) {
        log.warn({ err, messages: valid.length }, 'batch failed; handling its messages one by one');
      }
    }
    for (const v of valid) await handleOne(v.message, v.msg);
  };

  // Messages wait here while every handler is busy; a free one takes all of them (up to a batch).
  const queue: JsMsg[] = [];
  const drain = () => {
    while (queue.length > 0 && inFlight.size < limit) {
      const p = handleMessages(queue.splice(0, batchSize)).finally(() => {
        inFlight.delete(p);
        drain();
      });
      inFlight.add(p);
    }
  };

  // Messages delivered together (read from the socket at once) are all queued before it runs.
  let drainScheduled = false;
  const scheduleDrain = () => {
    if (drainScheduled) return;
    drainScheduled = true;
    setImmediate(() => {
      drainScheduled = false;
      drain();
    });
  };

  const loop = (async () => {
    for await (const msg of messages) {
      queue.push(msg);
      if (queue.length >= batchSize) drain();
      else scheduleDrain();
      while (queue.length >= batchSize && inFlight.size >= limit) await Promise.race(inFlight);
    }
    drain();
    while (inFlight.size > 0) await Promise.race(inFlight);
  })();

  return {
    stop: async () => {
      await messages.close();
      await loop;
    },
  };
}
