import { sql } from 'drizzle-orm';
import type { Db } from './client';
import { actionIdempotencyKeys, idempotencyKeys } from './schema';

/** The tables of `Idempotency-Key`s: intake's new tickets and the departments' actions. */
export type IdempotencyKeyTable = typeof idempotencyKeys | typeof actionIdempotencyKeys;

/**
 * Deletes the keys of `table` stored before `before`, a batch at a time so that a first run
 * over a large backlog holds no long transaction, until none is left or `signal` aborts;
 * returns how many went. Old keys lie first in the table's pages, so each batch's scan finds
 * them at once; no index is needed. A retry after that is a new request: a client retries
 * within minutes, a department system after an outage within days.
 */
export async function expireIdempotencyKeys(db: Db, table: IdempotencyKeyTable, before: Date, options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 5_000;
  let deleted = 0;
  while (!options.signal?.aborted) {
    const rows = await db.execute<{ n: number }>(sql`
      with gone as (
        delete from ${table} where ctid in (select ctid from ${table} where ${table.createdAt} < ${before.toISOString()}::timestamptz limit ${batchSize})
        returning 1)
      select count(*)::int as n from gone`);
    const n = rows[0]?.n ?? 0;
    deleted += n;
    if (n < batchSize) break;
  }
  return deleted;
}
