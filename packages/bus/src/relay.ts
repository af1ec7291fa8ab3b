import type postgres from 'postgres';
import type { Bus, Log } from './connect';

export interface RelayOptions {
  sql: postgres.Sql;
  bus: Bus;
  logger: Log;
  batchSize?: number;
  /** Fallback poll, in case a notification was missed (e.g. while reconnecting). */
  pollMs?: number;
  publishTimeoutMs?: number;
  /** Sent rows are kept this long for inspection, then deleted. */
  retentionMs?: number;
}

interface PendingRow {
  position: string;
  id: string;
  subject: string;
  /** The payload as PostgreSQL prints it: published as it is, never parsed here. */
  payload: string;
}

// One relay per database publishes at a time, so rows go out in order; the others wait.
const RELAY_LOCK = 12_345_001;

/**
 * Publishes committed outbox rows to JetStream in position order, with the row id as
 * Nats-Msg-Id so a row published twice (relay killed between publish and mark) is dropped
 * by the stream's duplicate window. Wakes on NOTIFY from the insert trigger, polls as a
 * fallback, and keeps retrying with backoff while NATS or PostgreSQL is away. Only the relay
 * holding the lock listens: every listener costs PostgreSQL a signal and a wake-up per
 * committed statement, and the others would only ignore them.
 */
export class OutboxRelay {
  private readonly opts: Required<RelayOptions>;
  private running = false;
  private wake: (() => void) | null = null;
  private pending = false;
  private loop: Promise<void> | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private lockConnection: postgres.ReservedSql | null = null;
  private lastCleanup = 0;
  /** Positions published but not yet marked sent: the next batch's statement marks them, or the relay before it sleeps. */
  private unmarked: string[] = [];

  constructor(options: RelayOptions) {
    this.opts = { batchSize: 500, pollMs: 1000, publishTimeoutMs: 5000, retentionMs: 3_600_000, ...options };
  }

  async start(): Promise<void> {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
    // Unmarked rows would only be published again by the next relay, and dropped as duplicates.
    await this.markPublished().catch(() => {});
    await this.releaseLock();
  }

  private notify(): void {
    this.pending = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    const log = this.opts.logger.child({ component: 'outbox-relay' });
    let backoff = 100;
    while (this.running) {
      try {
        if (!(await this.holdLock())) {
          await this.sleep(this.opts.pollMs);
          continue;
        }
        this.pending = false;
        const published = await this.publishBatch();
        backoff = 100;
        await this.cleanup();
        if (published < this.opts.batchSize && !this.pending) {
          await this.markPublished();
          // A commit notified during the mark found no sleep to cut short.
          if (!this.pending) await this.sleep(this.opts.pollMs);
        }
      } catch (err) {
        log.warn({ err: errorSummary(err), retryInMs: backoff }, 'outbox relay cannot publish yet; retrying');
        await this.releaseLock();
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private async holdLock(): Promise<boolean> {
    if (this.lockConnection) return true;
    const conn = await this.opts.sql.reserve();
    const [row] = await conn<{ locked: boolean }[]>`select pg_try_advisory_lock(${RELAY_LOCK}) as locked`;
    if (!row?.locked) {
      conn.release();
      return false;
    }
    this.lockConnection = conn;
    // Rows committed before the LISTEN took effect are found by the batch that follows.
    const listener = await this.opts.sql.listen('hotline_outbox', () => this.notify());
    this.unlisten = listener.unlisten;
    return true;
  }

  private async releaseLock(): Promise<void> {
    const unlisten = this.unlisten;
    this.unlisten = null;
    await unlisten?.().catch(() => {});
    const conn = this.lockConnection;
    this.lockConnection = null;
    if (!conn) return;
    try {
      await conn`select pg_advisory_unlock(${RELAY_LOCK})`;
    } catch {
      // The connection is gone, and the lock with it.
    }
    conn.release();
  }

  /**
   * Publishes one batch; returns how many rows went out. Throws if any could not. The same
   * statement marks the previous batch sent, which halves the relay's round trips under load
   * (it excludes those rows itself, as it sees the outbox from before its own update).
   */
  private async publishBatch(): Promise<number> {
    const conn = this.lockConnection;
    if (!conn) return 0;
    const marked = this.unmarked;
    const rows = await conn<PendingRow[]>`
      with marked as (update outbox set sent_at = now() where position = any(${marked}::bigint[]))
      select position, id, subject, payload::text as payload from outbox
      where sent_at is null and position <> all(${marked}::bigint[])
      order by position limit ${this.opts.batchSize}`;
    this.unmarked = [];
    if (rows.length === 0) return 0;
    // Pipelined on one connection, so the stream receives them in this order.
    const results = await Promise.allSettled(
      rows.map((r) =>
        this.opts.bus.js.publish(r.subject, r.payload, { msgID: r.id, timeout: this.opts.publishTimeoutMs }),
      ),
    );
    const firstFailure = results.findIndex((r) => r.status === 'rejected');
    this.unmarked = (firstFailure === -1 ? rows : rows.slice(0, firstFailure)).map((r) => r.position);
    if (firstFailure !== -1) {
      await this.markPublished();
      throw (results[firstFailure] as PromiseRejectedResult).reason;
    }
    return rows.length;
  }

  private async markPublished(): Promise<void> {
    const conn = this.lockConnection;
    if (!conn || this.unmarked.length === 0) return;
    await conn`update outbox set sent_at = now() where position = any(${this.unmarked}::bigint[])`;
    this.unmarked = [];
  }

  private async cleanup(): Promise<void> {
    const now = Date.now();
    const conn = this.lockConnection;
    if (!conn || now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    await conn`delete from outbox where sent_at < now() - ${`${this.opts.retentionMs} milliseconds`}::interval`;
  }
}

function errorSummary(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
