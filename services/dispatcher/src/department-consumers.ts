import { ensureConsumer, type Bus } from '@hotline/bus';
import { departments, type Db } from '@hotline/db';

/** The durable a department's own system pulls its tickets from. */
export function departmentDurable(code: string): string {
  return `dept-${code}`;
}

/**
 * One durable consumer per department on the dispatch stream, so dispatched work waits in
 * NATS for a department system that connects later. Nobody consumes them here.
 */
export async function ensureDepartmentConsumers(bus: Bus, db: Db): Promise<void> {
  const rows = await db.select({ code: departments.code }).from(departments);
  for (const { code } of rows) {
    await ensureConsumer(bus, { stream: bus.names.dispatch, durable: departmentDurable(code), filterSubjects: [bus.names.dispatchSubject(code)] });
  }
}
