import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import type { StreamNames } from '@hotline/contracts';

export interface StreamOptions {
  replicas?: number;
  /** How long JetStream remembers a Nats-Msg-Id to drop a republished event. */
  duplicateWindowMs?: number;
}

/** Creates the two streams, or updates them to this configuration. Idempotent. */
export async function ensureStreams(jsm: JetStreamManager, names: StreamNames, options: StreamOptions = {}): Promise<void> {
  const common = {
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: options.replicas ?? 1,
    duplicate_window: (options.duplicateWindowMs ?? 10 * 60_000) * 1_000_000,
  };
  const streams = [
    { name: names.tickets, subjects: [names.ticketSubjects] },
    { name: names.dispatch, subjects: [names.dispatchSubjects] },
  ];
  for (const s of streams) {
    try {
      await jsm.streams.info(s.name);
      await jsm.streams.update(s.name, { ...common, subjects: s.subjects });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await jsm.streams.add({ ...common, ...s });
    }
  }
}

export async function deleteStreams(jsm: JetStreamManager, names: StreamNames): Promise<void> {
  for (const name of [names.tickets, names.dispatch]) {
    try {
      await jsm.streams.delete(name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}
