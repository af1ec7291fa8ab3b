import { sql } from 'drizzle-orm';
import type { Db } from './client';
import { actionIdempotencyKeys, idempotencyKeys } from './schema';

/** The tables of `Idempotency-Key`s: intake's new tickets and the departments' actions. */
export type IdempotencyKeyTable = typeof idempotencyKeys | typeof actionIdempotencyKeys;

/**
 * Deletes the keys of `table` stored before `before`, a batch at a time so that a first run
 * over a large backlog holds no long transaction; returns how many went. A retry after that
 * is a new request: a client retries within minutes, a department system after an outage
 * within days.
 */
export async function expireIdempotencyKeys(db: Db, table: IdempotencyKeyTable, before: Date, batchSize = 5_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const rows = await db.execute<{ n: number }>(sql`
      with gone as (
        delete from ${table} where ctid in (select ctid from ${table} where ${table.createdAt} < ${before.toISOString()}::timestamptz limit ${batchSize})
        returning 1)
      select count(*)::int as n from gone`);
    const n = rows[0]?.n ?? 0;
    deleted += n;
    if (n < batchSize) return deleted;
  }
}
