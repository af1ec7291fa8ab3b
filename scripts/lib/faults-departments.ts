/**
 * The departments' own systems, as the fault suite plays them: one pull loop per
 * department on its durable `dept-<code>` of the dispatch stream, acknowledging each
 * message and noting which ticket it carried. A redelivery of one stream message (same
 * sequence, e.g. its ack was lost in a NATS restart) is acknowledged and not counted
 * again; two stream messages for one ticket at one department are a duplicate.
 */
import { jetstream, jetstreamManager, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DispatchMessage, type StreamNames } from '@hotline/contracts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Delivery {
  department: string;
  ticketId: string;
  role: 'main' | 'co';
  eventId: string;
  /** The message's sequence in the dispatch stream: one per message published. */
  streamSeq: number;
  msgId: string | null;
}

export function departmentDurable(code: string): string {
  return `dept-${code}`;
}

export class DepartmentInboxes {
  readonly deliveries: Delivery[] = [];
  /** Deliveries of a stream message already taken: acknowledged again, not counted. */
  redeliveries = 0;
  /** Messages on a department's subject that are not a DispatchMessage, or name another department. */
  readonly invalid: { department: string; subject: string; reason: string }[] = [];
  /** Pull loops that had to start again (consumer not reachable while NATS moved). */
  restarts = 0;
  private readonly taken = new Set<number>();
  private readonly consuming = new Map<string, ConsumerMessages>();
  private stopped = false;
  private loops: Promise<void>[] = [];

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: StreamNames,
    private readonly codes: string[],
  ) {}

  static async start(servers: string, names: StreamNames, codes: string[]): Promise<DepartmentInboxes> {
    const nc = await connect({
      servers: servers.split(','),
      name: 'faults-departments',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
    });
    const inboxes = new DepartmentInboxes(nc, jetstream(nc), await jetstreamManager(nc, { checkAPI: false }), names, codes);
    inboxes.loops = codes.map((code) => inboxes.run(code));
    return inboxes;
  }

  private async run(code: string): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.js.consumers.get(this.names.dispatch, departmentDurable(code));
        // A short expiry means short idle heartbeats: a pull lost with a NATS node is noticed in seconds.
        const messages = await consumer.consume({ max_messages: 100, expires: 5_000 });
        this.consuming.set(code, messages);
        if (this.stopped) await messages.close();
        for await (const m of messages) this.take(code, m);
      } catch {
        // NATS is moving (a node restarting, a leader being elected); try again shortly.
      }
      if (this.stopped) break;
      this.restarts += 1;
      await sleep(1000);
    }
  }

  private take(code: string, m: JsMsg): void {
    if (this.taken.has(m.seq)) {
      this.redeliveries += 1;
      m.ack();
      return;
    }
    const parsed = DispatchMessage.safeParse(safeJson(m));
    if (!parsed.success) {
      this.invalid.push({ department: code, subject: m.subject, reason: parsed.error.message.slice(0, 200) });
    } else if (parsed.data.department !== code) {
      this.invalid.push({ department: code, subject: m.subject, reason: `names department ${parsed.data.department}` });
    } else {
      this.deliveries.push({
        department: code,
        ticketId: parsed.data.ticketId,
        role: parsed.data.role,
        eventId: parsed.data.eventId,
        streamSeq: m.seq,
        msgId: m.headers?.get('Nats-Msg-Id') ?? null,
      });
    }
    this.taken.add(m.seq);
    m.ack();
  }

  /** Messages waiting in, or delivered and not yet acknowledged by, all the department durables; null if NATS did not say. */
  async outstanding(): Promise<number | null> {
    let total = 0;
    for (const code of this.codes) {
      try {
        const info = await this.jsm.consumers.info(this.names.dispatch, departmentDurable(code));
        total += info.num_pending + info.num_ack_pending;
      } catch {
        return null;
      }
    }
    return total;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.consuming.values()].map((m) => m.close().catch(() => {})));
    await Promise.race([Promise.all(this.loops), sleep(10_000)]);
    await this.nc.close();
  }
}

function safeJson(m: JsMsg): unknown {
  try {
    return m.json();
  } catch {
    return null;
  }
}
