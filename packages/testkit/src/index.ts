import { randomBytes } from 'node:crypto';
import { DeliverPolicy } from '@nats-io/jetstream';
import { connectBus, deleteStreams, ensureStreams, type Bus } from '@hotline/bus';
import { createDatabase, migrateDatabase, seedCatalogue, seedDevelopmentKeys, type Database } from '@hotline/db';
import { pino } from 'pino';
import postgres from 'postgres';

/** Where tests find the real servers; never anything but this machine. */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * Cleanups run last-in first-out (the app closes before its database is dropped), all in
 * one tap teardown.
 */
export class Cleanup implements Teardown {
  private readonly stack: (() => unknown)[] = [];
  constructor(t: Teardown) {
    t.teardown(async () => {
      while (this.stack.length > 0) await this.stack.pop()?.();
    });
  }
  teardown(fn: () => unknown): void {
    this.stack.push(fn);
  }
}

export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A logger that keeps what a service logs at `level` and above, for tests that assert what it did. */
export function recordingLogger(level: pino.Level = 'warn') {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(line) });
  return { logger, records: () => lines.map((line) => JSON.parse(line) as { msg: string; [field: string]: unknown }) };
}

export function uniqueName(kind: string): string {
  return `${kind}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestDatabase extends Database {
  url: string;
  name: string;
}

/** A fresh database of its own for one test file: migrated, catalogue and dev keys seeded, dropped at the end. */
export async function createTestDatabase(t: Teardown): Promise<TestDatabase> {
  const name = uniqueName('hotline_test');
  const admin = postgres(ADMIN_DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = withDatabase(ADMIN_DATABASE_URL, name);
  await migrateDatabase(url);
  const database = createDatabase(url, { max: 5 });
  await seedCatalogue(database.db);
  await seedDevelopmentKeys(database.db);
  t.teardown(async () => {
    await database.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  return { ...database, url, name };
}

/** A bus connection with streams of its own (unique subject prefix), deleted at the end. */
export async function createTestBus(t: Teardown, prefix = uniqueName('t'), servers = NATS_URL): Promise<Bus & { prefix: string }> {
  const bus = await connectBus({ servers, prefix, name: prefix });
  await ensureStreams(bus.jsm, bus.names, { duplicateWindowMs: 120_000 });
  t.teardown(async () => {
    await deleteStreams(bus.jsm, bus.names);
    await bus.close();
  });
  return { ...bus, prefix };
}

/**
 * Collects every message on a stream's subject (from the start), so a test can assert what
 * arrived and how often.
 */
export async function collectMessages(bus: Bus, stream: string, filterSubject: string) {
  const consumer = await bus.js.consumers.get(stream, { filter_subjects: filterSubject, deliver_policy: DeliverPolicy.All });
  const received: { subject: string; msgId: string | undefined; data: unknown }[] = [];
  const messages = await consumer.consume();
  const done = (async () => {
    for await (const m of messages) received.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), data: m.json() });
  })();
  return {
    received,
    async waitFor(count: number, timeoutMs = 10_000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} messages on ${filterSubject}, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop(): Promise<void> {
      await messages.close();
      await done;
    },
  };
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export * from './nats-server';

/** After a NATS restart: waits until this connection is back and JetStream answers. */
export async function waitForJetStream(bus: Bus, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await bus.jsm.streams.info(bus.names.tickets);
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await sleep(200);
    }
  }
}
export * from './tickets';

/** Authorization headers of the development keys every test database is seeded with. */
export const agent = { authorization: 'Bearer dev-agent' };
export const manager = { authorization: 'Bearer dev-manager' };
export const admin = { authorization: 'Bearer dev-admin' };
export const departmentKey = (code: string) => ({ authorization: `Bearer dev-dept-${code}` });

/** A controllable clock, shared by every replica a test starts. */
export class TestClock {
  constructor(private at: Date) {}
  readonly now = (): Date => this.at;
  set(at: Date | string): void {
    this.at = new Date(at);
  }
}
