import { ticketEvents, tickets } from '@hotline/db';
import { Cleanup, createTestBus, createTestDatabase, NATS_URL, testLogger, uniqueName } from '@hotline/testkit';
import { eq } from 'drizzle-orm';
import { buildDepartmentsApp } from '../src/app';
import { loadDepartmentsConfig } from '../src/config';

interface Tap {
  teardown(fn: () => unknown): void;
}

/** A departments app on a database and streams of its own; everything is dropped after the test. */
export async function buildTestDepartments(t: Tap) {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  const prefix = uniqueName('departments');
  const bus = await createTestBus(cleanup, prefix);
  const config = loadDepartmentsConfig({
    DATABASE_URL: database.url,
    NATS_URL,
    NATS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_MAX: '4',
  });
  const app = await buildDepartmentsApp(config, testLogger);
  cleanup.teardown(() => app.close());
  return { app, database, bus, names: bus.names };
}

export const keyOf = (department: string) => ({ authorization: `Bearer dev-dept-${department}` });
export const manager = { authorization: 'Bearer dev-manager' };
export const admin = { authorization: 'Bearer dev-admin' };
export const agent = { authorization: 'Bearer dev-agent' };

/** What a refused request must leave alone: the stored ticket and its whole history. */
export async function snapshot(database: Awaited<ReturnType<typeof buildTestDepartments>>['database'], id: string) {
  const [ticket] = await database.db.select().from(tickets).where(eq(tickets.id, id));
  const history = await database.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, id));
  return { ticket, history: history.length };
}
