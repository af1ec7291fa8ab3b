import type { Bus } from '@hotline/bus';
import { buildClassifierApp, loadClassifierConfig } from '@hotline/classifier-service';
import { DispatchMessage, type StreamNames, type TicketEvent } from '@hotline/contracts';
import { appendTicketEvents, tickets, type Db, type NewTicketRow, type TicketRow } from '@hotline/db';
import type { TicketStatus } from '@hotline/domain';
import { buildIntakeApp, loadIntakeConfig } from '@hotline/intake';
import type { Service } from '@hotline/server';
import { admin, agent, Cleanup, createTestBus, departmentKey, manager, TestClock, createTestDatabase, NATS_URL, sleep, testLogger, uniqueName } from '@hotline/testkit';
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { buildDispatcherApp } from '../src/app';
import { loadDispatcherConfig } from '../src/config';

interface Tap {
  teardown(fn: () => unknown): void;
}

export { admin, agent, departmentKey, manager, TestClock };

/**
 * The chain a ticket takes in the stack, on one database and stream prefix of their own:
 * the intake records it, the classifier's consumer classifies it, the dispatcher's consumer
 * dispatches it. `classifierThreshold` 1 sends every ticket to triage for an agent.
 * `replica()` starts another dispatcher on the same database and streams (a second pod, or
 * the same one after a restart).
 */
export async function buildTestDispatcher(
  t: Tap,
  options: { clock?: TestClock; classifierThreshold?: number; env?: Record<string, string>; logger?: Logger } = {},
) {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  const prefix = uniqueName('dispatcher');
  const bus = await createTestBus(cleanup, prefix);
  const common = { DATABASE_URL: database.url, NATS_URL, NATS_PREFIX: prefix, LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '4' };
  // The tests choose which tickets are sure enough, so they do not hang on the model's exact figures
  // (nor on its minimum of content words: a retrained model may move it).
  // The classifier first: loading its model blocks this process for a second, which the intake's
  // back-pressure, were it already sampling, would read as overload and answer 503.
  const threshold = String(options.classifierThreshold ?? 0.5);
  const classifier = await buildClassifierApp(loadClassifierConfig({ ...common, CLASSIFIER_THRESHOLD: threshold, CLASSIFIER_MIN_CONTENT_WORDS: '0' }), testLogger);
  cleanup.teardown(() => classifier.close());
  await classifier.ready();
  const intake = await buildIntakeApp(loadIntakeConfig(common), testLogger);
  cleanup.teardown(() => intake.close());
  const clock = options.clock ?? new TestClock(new Date());

  const replica = async (env: Record<string, string> = {}): Promise<Service> => {
    const config = loadDispatcherConfig({ ...common, WATCH_INTERVAL_MS: '3600000', ...options.env, ...env });
    const app = await buildDispatcherApp(config, options.logger ?? testLogger, { now: clock.now });
    // Closing twice is harmless, so a test may stop a replica early to restart it.
    cleanup.teardown(() => app.close());
    await app.ready();
    return app;
  };
  const dispatcher = await replica();
  return { intake, classifier, dispatcher, replica, database, bus, prefix, clock, cleanup };
}

export const sampleTicket = {
  channel: 'phone',
  type: 'complaint',
  caller: { name: '张先生', phone: '13812341234' },
  title: 'A3区某小区夜间施工噪音扰民',
  content: 'A市A3区某小区旁工地每天晚上十一点后仍在施工，噪音很大，严重影响居民休息，请相关部门尽快处理。',
  location: { district: 'A3区', street: '某街道' },
};

/** Records a ticket through the real intake API; it starts `received`. */
export async function createTicket(intake: Service, body: Record<string, unknown> = sampleTicket): Promise<string> {
  const res = await intake.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: body });
  if (res.statusCode !== 201) throw new Error(`intake refused the ticket: ${res.body}`);
  return res.json().id;
}

export async function ticketRow(db: Db, id: string): Promise<TicketRow> {
  const [row] = await db.select().from(tickets).where(eq(tickets.id, id));
  if (!row) throw new Error(`no ticket ${id}`);
  return row;
}

/** Appends an event as another service would (a department accepting or returning a ticket). */
export async function appendAs(db: Db, names: StreamNames, id: string, events: TicketEvent[], patch: Partial<NewTicketRow> = {}) {
  await db.transaction(async (tx) => {
    const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, id)).for('update');
    if (!ticket) throw new Error(`no ticket ${id}`);
    await appendTicketEvents(tx, names, { id, status: ticket.status as TicketStatus, version: ticket.version }, events, patch);
  });
}

export async function waitForStatus(db: Db, id: string, status: TicketStatus, timeoutMs = 15_000): Promise<TicketRow> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await ticketRow(db, id);
    if (row.status === status) return row;
    if (Date.now() > until) throw new Error(`ticket ${id} is ${row.status}, not ${status}`);
    await sleep(50);
  }
}

/**
 * Pulls what waits for a department on its durable (`dept-<code>`), as the department's own
 * system would: until `expected` messages arrived, then one more short wait for any extra.
 */
export async function pullDepartment(bus: Bus, code: string, expected: number) {
  const consumer = await bus.js.consumers.get(bus.names.dispatch, `dept-${code}`);
  const received: { subject: string; msgId: string | undefined; message: DispatchMessage }[] = [];
  const until = Date.now() + 15_000;
  const pull = async (max: number) => {
    const batch = await consumer.fetch({ max_messages: max, expires: 1_000 });
    for await (const m of batch) {
      received.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), message: DispatchMessage.parse(m.json()) });
      m.ack();
    }
  };
  while (received.length < expected && Date.now() < until) await pull(expected - received.length);
  await pull(20);
  return received;
}
