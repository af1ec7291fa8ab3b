import { expireIdempotencyKeys, type IdempotencyKeyTable } from '@hotline/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface IdempotencyExpiryOptions {
  table: IdempotencyKeyTable;
  /** Keys older than this are deleted. */
  retentionHours: number;
}

const HOUR_MS = 3_600_000;

/**
 * Deletes this service's expired `Idempotency-Key`s at start and then hourly, so the table
 * holds days of keys rather than every request ever made. Every replica may do it: a delete
 * of rows another replica deleted first deletes nothing.
 */
export const idempotencyExpiryPlugin = fp(
  async (app: FastifyInstance, opts: IdempotencyExpiryOptions) => {
    const log = app.log.child({ component: 'idempotency-expiry' });
    const closing = new AbortController();
    let running: Promise<void> | null = null;
    const expire = () => {
      // A run still going (a first run over a large backlog) is not joined by a second.
      running ??= (async () => {
        try {
          const before = new Date(Date.now() - opts.retentionHours * HOUR_MS);
          const deleted = await expireIdempotencyKeys(app.db, opts.table, before, { signal: closing.signal });
          if (deleted > 0) log.info({ deleted, retentionHours: opts.retentionHours }, 'expired idempotency keys deleted');
        } catch (err) {
          log.warn({ err }, 'cannot delete expired idempotency keys yet; trying again at the next interval');
        } finally {
          running = null;
        }
      })();
    };
    const timer = setInterval(expire, HOUR_MS);
    timer.unref();
    app.addHook('onReady', async () => expire());
    // onClose hooks run last registered first: this one before the resources end the pool.
    // It waits for the batch in flight only.
    app.addHook('onClose', async () => {
      clearInterval(timer);
      closing.abort();
      await running;
    });
  },
  { name: 'hotline-idempotency-expiry', dependencies: ['hotline-resources'] },
);
