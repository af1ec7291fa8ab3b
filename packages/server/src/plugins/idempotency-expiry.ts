import { expireIdempotencyKeys, type IdempotencyKeyTable } from '@hotline/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface IdempotencyExpiryOptions {
  table: IdempotencyKeyTable;
  /** Keys older than this are deleted. */
  retentionHours: number;
  /** How often to look; the first look is at start. */
  intervalMs?: number;
}

/**
 * Deletes this service's expired `Idempotency-Key`s at start and then hourly, so the table
 * holds days of keys rather than every request ever made. Every replica may do it: a delete
 * of rows another replica deleted first deletes nothing.
 */
export const idempotencyExpiryPlugin = fp(
  async (app: FastifyInstance, opts: IdempotencyExpiryOptions) => {
    const log = app.log.child({ component: 'idempotency-expiry' });
    let running: Promise<void> = Promise.resolve();
    const expire = () => {
      running = (async () => {
        try {
          const deleted = await expireIdempotencyKeys(app.db, opts.table, new Date(Date.now() - opts.retentionHours * 3_600_000));
          if (deleted > 0) log.info({ deleted, retentionHours: opts.retentionHours }, 'expired idempotency keys deleted');
        } catch (err) {
          log.warn({ err }, 'cannot delete expired idempotency keys yet; trying again at the next interval');
        }
      })();
    };
    const timer = setInterval(expire, opts.intervalMs ?? 3_600_000);
    timer.unref();
    app.addHook('onReady', async () => expire());
    // Registered after the resources, so this runs before the pool is ended.
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
    });
  },
  { name: 'hotline-idempotency-expiry', dependencies: ['hotline-resources'] },
);
