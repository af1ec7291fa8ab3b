import { callbacks, ticketEvents, tickets, type CallbackRow } from '@hotline/db';
import type { Service } from '@hotline/server';
import { admin, agent, Cleanup, createTestBus, departmentKey, manager, TestClock, createTestDatabase, NATS_URL, sleep, testLogger, uniqueName } from '@hotline/testkit';
import { asc, eq } from 'drizzle-orm';
import { buildCallbackApp } from '../src/app';
import { loadCallbackConfig } from '../src/config';

interface Tap {
  teardown(fn: () => unknown): void;
}

export { admin, agent, departmentKey, manager, TestClock };

/** Beijing wall-clock time, e.g. bj('2026-03-04 10:00'). */
export const bj = (text: string): Date => new Date(`${text.replace(' ', 'T')}:00+08:00`);

/** The callback service on a database and streams of its own; `common` starts other services on the same. */
export async function buildTestCallback(t: Tap, options: { clock?: TestClock; env?: Record<string, string> } = {}) {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  const prefix = uniqueName('callback');
  const bus = await createTestBus(cleanup, prefix);
  const common = { DATABASE_URL: database.url, NATS_URL, NATS_PREFIX: prefix, LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '4' };
  const clock = options.clock ?? new TestClock(new Date());
  const config = loadCallbackConfig({ ...common, PUBLIC_URL: 'https://12345.example.gov.cn', ...options.env });
  const app: Service = await buildCallbackApp(config, testLogger, { now: clock.now });
  cleanup.teardown(() => app.close());
  await app.ready();
  return { app, database, bus, names: bus.names, clock, common, cleanup };
}

export async function waitForCallback(db: Parameters<typeof callbackOf>[0], ticketId: string, timeoutMs = 15_000): Promise<CallbackRow> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await callbackOf(db, ticketId);
    if (row) return row;
    if (Date.now() > until) throw new Error(`no callback opened for ticket ${ticketId}`);
    await sleep(50);
  }
}

/** The newest callback of a ticket. */
export async function callbackOf(db: Awaited<ReturnType<typeof buildTestCallback>>['database']['db'], ticketId: string) {
  const rows = await db.select().from(callbacks).where(eq(callbacks.ticketId, ticketId)).orderBy(asc(callbacks.cycle), asc(callbacks.createdAt));
  return rows.at(-1);
}

export async function historyTypes(db: Awaited<ReturnType<typeof buildTestCallback>>['database']['db'], ticketId: string): Promise<string[]> {
  const rows = await db.select({ type: ticketEvents.type }).from(ticketEvents).where(eq(ticketEvents.ticketId, ticketId)).orderBy(asc(ticketEvents.seq));
  return rows.map((r) => r.type);
}

export async function statusOf(db: Awaited<ReturnType<typeof buildTestCallback>>['database']['db'], ticketId: string): Promise<string | undefined> {
  const [row] = await db.select({ status: tickets.status }).from(tickets).where(eq(tickets.id, ticketId));
  return row?.status;
}
