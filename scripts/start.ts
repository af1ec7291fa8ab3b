/**
 * `pnpm start`: the whole stack on this machine with no configuration. Uses the PostgreSQL
 * and NATS already running on their usual ports, or starts throwaway ones under `.data/`;
 * migrates and seeds the database, creates the development API keys, runs every service
 * under a supervisor, and on Ctrl-C stops everything it started.
 *
 * Environment (all optional): DATABASE_URL, NATS_URL (where to look first; the database is
 * created if missing), PORT_OFFSET (added to every service's port), HOTLINE_PG_PORT (port
 * of a throwaway PostgreSQL, 54329), HOTLINE_NATS_PORT (port of a started nats-server, by
 * default NATS_URL's), HOTLINE_DATA_DIR (files of the throwaway servers, `.data`). The
 * rest (LOG_LEVEL, NATS_PREFIX, …) reaches the services as it is.
 */
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError, loadConfig } from '@hotline/config';
import type { ApiKeyInput } from '@hotline/db';
import {
  defaultDataDir,
  defaultThrowawayPostgresPort,
  discoverServices,
  ensureNats,
  ensurePostgres,
  prepareDatabase,
  ServiceSupervisor,
  StackError,
  waitForHealthy,
  type ServiceSpec,
} from './lib/stack';

const say = (line: string) => console.log(`[start] ${line}`);
/** How long the services table waits for a slow or crashing service before it is printed anyway. */
const TABLE_WAIT_MS = 20_000;

function portFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new StackError(`${name} must be a port number, got "${raw}"`);
  return n;
}

function printKeys(keys: ApiKeyInput[]): void {
  const people = keys.filter((k) => !k.departmentCode).map((k) => k.key);
  const departments = keys.flatMap((k) => (k.departmentCode ? [k.departmentCode] : []));
  say(`development API keys (Authorization: Bearer <key>): ${people.join(', ')}`);
  if (departments.length === 0) return;
  // 29 department codes on one line would wrap badly in a terminal.
  const lines: string[] = [];
  for (const code of departments) {
    const last = lines.length - 1;
    if (last >= 0 && (lines[last] ?? '').length + code.length < 90) lines[last] += ` ${code}`;
    else lines.push(code);
  }
  say(`  and dev-dept-<code> for each of the ${departments.length} departments:`);
  for (const line of lines) say(`    ${line}`);
}

function printServices(specs: ServiceSpec[], healthy: boolean[]): void {
  const width = Math.max(...specs.map((s) => s.name.length));
  say('services:');
  specs.forEach((s, i) => {
    const note = healthy[i] ? '' : '   (not answering yet; see its log above)';
    say(`  ${s.name.padEnd(width)}  http://127.0.0.1:${s.port}/docs${note}`);
  });
  const intake = specs.find((s) => s.name === 'intake');
  if (intake) say(`try: curl -H 'Authorization: Bearer dev-agent' http://127.0.0.1:${intake.port}/v1/tickets`);
}

// The first Ctrl-C stops the stack; the stack is stopped in order (services first, then the
// servers they drain into), so a later one only says so. Under `pnpm start` one Ctrl-C comes
// twice (from the terminal, and passed on by tsx), hence the quiet second.
const stop = new AbortController();
let stopAskedAt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stop.signal.aborted) {
      if (Date.now() - stopAskedAt > 1000) say('already stopping; waiting for the services to close');
      return;
    }
    stopAskedAt = Date.now();
    say(`${signal}: stopping`);
    stop.abort();
  });
}

/** What was started, stopped last-first. */
const started: { name: string; stop(): Promise<void> }[] = [];

async function run(): Promise<void> {
  const config = loadConfig({});
  if (config.NODE_ENV === 'production') {
    throw new StackError(
      'pnpm start is the development stack: it creates the development API keys (dev-agent, …), which are refused when NODE_ENV=production. ' +
        'In production run each service on its own (node --import tsx services/<name>/src/server.ts) with real API keys.',
    );
  }
  const portOffset = portFromEnv('PORT_OFFSET') ?? 0;
  const dataDir = process.env.HOTLINE_DATA_DIR || defaultDataDir;

  // NATS first: a missing nats-server then fails before a PostgreSQL is started for nothing.
  const nats = await ensureNats({ url: config.NATS_URL, dataDir, port: portFromEnv('HOTLINE_NATS_PORT'), log: say });
  if (nats.started) started.push(nats.started);
  if (stop.signal.aborted) return;

  const pg = await ensurePostgres({
    url: config.DATABASE_URL,
    explicit: Boolean(process.env.DATABASE_URL),
    dataDir,
    port: portFromEnv('HOTLINE_PG_PORT') ?? defaultThrowawayPostgresPort,
    log: say,
  });
  if (pg.started) started.push(pg.started);
  if (stop.signal.aborted) return;

  const { created, keys } = await prepareDatabase(pg.url, { developmentKeys: true });
  say(`database ${created ? 'created and ' : ''}migrated; departments and taxonomy seeded`);
  printKeys(keys);
  if (stop.signal.aborted) return;

  const specs = discoverServices(portOffset);
  if (specs.length === 0) {
    say('no services to start (no services/*/src/server.ts)');
    return;
  }
  const supervisor = new ServiceSupervisor(specs, { env: { ...process.env, DATABASE_URL: pg.url, NATS_URL: nats.url }, log: say });
  started.push({ name: 'services', stop: () => supervisor.stop() });
  say(`starting ${specs.map((s) => `${s.name} (:${s.port})`).join(', ')}`);
  supervisor.start();

  // The table waits for every service, but not for ever: one that keeps crashing must not hide
  // the others' URLs. It is marked in the table, and announced when it answers later.
  const healthy = specs.map(() => false);
  let printed = false;
  const answering = specs.map((s, i) =>
    waitForHealthy(s.port, { timeoutMs: 10 * 60_000, signal: stop.signal }).then((ok) => {
      healthy[i] = ok;
      if (ok && printed && !stop.signal.aborted) say(`${s.name} answers now: http://127.0.0.1:${s.port}/docs`);
    }),
  );
  await Promise.race([Promise.all(answering), delay(TABLE_WAIT_MS, undefined, { signal: stop.signal }).catch(() => {})]);
  if (stop.signal.aborted) return;
  printServices(specs, healthy);
  printed = true;
  say('Ctrl-C stops everything');

  // Signal handlers do not keep Node running; the timer does, until the abort.
  const keepAlive = setInterval(() => {}, 1 << 30);
  if (!stop.signal.aborted) await once(stop.signal, 'abort');
  clearInterval(keepAlive);
}

let exitCode = 0;
try {
  await run();
} catch (err) {
  // A step interrupted by Ctrl-C (initdb killed by the terminal's SIGINT, say) is a stop, not a failure.
  if (!stop.signal.aborted) {
    exitCode = 1;
    if (err instanceof StackError || err instanceof ConfigError) console.error(err.message);
    else console.error('[start] failed:', err);
  }
}
for (const s of started.reverse()) {
  try {
    await s.stop();
  } catch (err) {
    exitCode = 1;
    console.error(`[start] stopping ${s.name} failed:`, err);
  }
}
if (started.length > 0) say(exitCode === 0 ? 'stopped' : 'stopped, after an error');
process.exit(exitCode);
