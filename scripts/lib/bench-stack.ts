import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { connectBus, deleteStreams, ensureStreams, type Bus } from '@hotline/bus';
import { createDatabase, migrateDatabase, seedCatalogue, seedDevelopmentKeys } from '@hotline/db';
import postgres from 'postgres';

/** The benchmark only ever talks to servers on this machine. */
export function assertLocal(url: string, what: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new Error(`${what} must be on 127.0.0.1, got ${host}: the benchmark never sends traffic elsewhere`);
  }
}

export function benchSuffix(): string {
  const d = new Date();
  const stamp = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}_${String(d.getUTCHours()).padStart(2, '0')}${String(d.getUTCMinutes()).padStart(2, '0')}${String(d.getUTCSeconds()).padStart(2, '0')}`;
  // The random tail lets two benchmarks started in the same second coexist.
  return `${stamp}_${randomBytes(2).toString('hex')}`;
}

export interface BenchDatabase {
  name: string;
  url: string;
  /** A small pool of the benchmark's own, for counting rows after the run. */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

/** A fresh database: migrated, catalogue and development keys seeded. */
export async function createBenchDatabase(adminUrl: string, name: string): Promise<BenchDatabase> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const drop = async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 5 });
  };
  try {
    await migrateDatabase(url);
    const seeding = createDatabase(url, { max: 1 });
    try {
      await seedCatalogue(seeding.db);
      await seedDevelopmentKeys(seeding.db);
    } finally {
      await seeding.close();
    }
  } catch (err) {
    await drop();
    throw err;
  }
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  return {
    name,
    url,
    sql,
    drop: async () => {
      await sql.end({ timeout: 5 });
      await drop();
    },
  };
}

/**
 * The benchmark's own bus connection with the streams created up front, so the event
 * recorder can subscribe before the service starts; the service's ensureStreams then finds
 * them in the same configuration.
 */
export async function createBenchBus(natsUrl: string, prefix: string): Promise<Bus & { drop(): Promise<void> }> {
  const bus = await connectBus({ servers: natsUrl, prefix, name: `${prefix}-bench` });
  await ensureStreams(bus.jsm, bus.names);
  return {
    ...bus,
    drop: async () => {
      await deleteStreams(bus.jsm, bus.names);
      await bus.close();
    },
  };
}

/** Refuses a busy port up front: /healthz of another process would pass for ours. */
export async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err) => reject(new Error(`port ${port} is in use (${err.message}); pass --port`)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

export interface ServiceProcess {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  /** SIGTERM (graceful: finishes requests, stops the relay, drains NATS), SIGKILL after a grace period. */
  stop(): Promise<number | null>;
}

export interface ServiceOptions {
  repoRoot: string;
  env: Record<string, string>;
  port: number;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags: string[];
  log: (line: string) => void;
}

export type IntakeProcess = ServiceProcess;

/** Starts the intake service as a child process (see startService). */
export function startIntake(options: ServiceOptions): Promise<ServiceProcess> {
  return startService('intake', options);
}

/**
 * Starts services/<name>/src/server.ts as a child process, so the service and the load
 * generator each have a core's worth of event loop instead of sharing one.
 */
export async function startService(name: string, options: ServiceOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...options.nodeFlags, `services/${name}/src/server.ts`], {
    cwd: options.repoRoot,
    env: { ...process.env, ...options.env },
    // Piped, not inherited: a TTY would switch pino to pino-pretty and change what is measured.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => options.log(line));
  }
  // Last resort if the benchmark dies without cleaning up (an uncaught error): never leave
  // a service listening behind. 'exit' handlers must be synchronous, hence SIGKILL.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before it was healthy`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) {
      await stop();
      throw new Error(`${name} was not healthy within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (child.pid === undefined) throw new Error(`${name} has no pid`);
  return { child, pid: child.pid, baseUrl, stop };
}
