/**
 * pnpm test:faults [--rate 15] [--phase-seconds 12] [--nats-stop-seconds 20]
 *
 * The fault suite. Starts a stack of its own: a throwaway PostgreSQL on 127.0.0.1:54339
 * (files under .data/faults/), the 3-node NATS cluster of infra/nats/ (4231-4233, store
 * wiped, streams with 3 replicas) and every services/<name> on its port + 200. Real appeals
 * (scripts/test/fixtures/replay-messages.jsonl) go to intake at an even rate, each with an
 * Idempotency-Key and retried with it on a transport error or 5xx; every department's
 * system is played by a pull loop on its durable `dept-<code>`. While the load runs it
 * SIGKILLs and restarts each service in turn, kills and restarts the NATS node leading the
 * dispatch stream, stops another node for 20 s and brings it back, restarts the whole
 * NATS cluster and restarts PostgreSQL (fast stop, start). Then it waits for the pipeline
 * to settle and checks that every ticket answered with a 2xx is stored, dispatched, and
 * delivered once to its department, with its whole history published; and that every
 * NATS node holds the same streams. Prints a table per fault; exits 1 if anything was
 * lost, duplicated or missing. Logs: .data/faults/logs/.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { rmSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connectBus, ensureConsumer, ensureStreams, type Bus } from '@hotline/bus';
import postgres from 'postgres';
import { TriageAgent } from './lib/faults-agent';
import { verify, formatVerdict } from './lib/faults-checks';
import { DepartmentInboxes, departmentDurable } from './lib/faults-departments';
import { ReplayLoad, readReplayFixture } from './lib/faults-load';
import { FaultServices, NatsCluster, own, ownedCount, type NatsNode } from './lib/faults-processes';
import { defaultDataDir, discoverServices, prepareDatabase, probePort, repoRoot, StackError, startThrowawayPostgres, type OwnedProcess } from './lib/stack';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '15' },
    'phase-seconds': { type: 'string', default: '12' },
    'nats-stop-seconds': { type: 'string', default: '20' },
  },
  strict: true,
});
const RATE = Number(args.rate);
const PHASE_MS = Number(args['phase-seconds']) * 1000;
const NATS_STOP_MS = Number(args['nats-stop-seconds']) * 1000;
if (!(RATE > 0) || !(PHASE_MS > 0) || !(NATS_STOP_MS > 0)) throw new Error('--rate, --phase-seconds and --nats-stop-seconds must be positive numbers');

const PG_PORT = 54339;
const PORT_OFFSET = 200;
const DATABASE = 'hotline_faults';
const SETTLE_MS = 180_000;
const dataDir = join(defaultDataDir, 'faults');
const logDir = join(dataDir, 'logs');
const fixture = join(repoRoot, 'scripts', 'test', 'fixtures', 'replay-messages.jsonl');

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s`;
const say = (line: string) => console.log(`[faults ${elapsed()}] ${line}`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const abort = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (abort.signal.aborted) process.exit(130);
    say(`${signal}: stopping and cleaning up (again to quit at once)`);
    abort.abort();
  });
}
const pause = (ms: number) => sleep(ms, undefined, { signal: abort.signal });

interface Phase {
  name: string;
  note: string;
}
const phases: Phase[] = [];
let current = 'start-up';
/** Failures that belong to no ticket, e.g. a NATS node that did not catch up. */
const stackFailures: string[] = [];

async function phase(name: string, fault: () => Promise<string>): Promise<void> {
  abort.signal.throwIfAborted();
  const started = Date.now();
  current = name;
  const p: Phase = { name, note: '' };
  phases.push(p);
  say(`phase ${name}`);
  p.note = await fault();
  say(`  ${p.note}`);
  const rest = started + PHASE_MS - Date.now();
  if (rest > 0) await pause(rest);
}

let pg: OwnedProcess | null = null;
let services: FaultServices | null = null;
let inboxes: DepartmentInboxes | null = null;
let bus: Bus | null = null;
let sql: postgres.Sql | null = null;
let agent: TriageAgent | null = null;
const cluster = new NatsCluster(logDir, say);
let exitCode: number;

async function startPostgres(): Promise<OwnedProcess> {
  const started = await startThrowawayPostgres({ dataDir, port: PG_PORT, log: say });
  own(started.child);
  return started;
}

async function streamLeader(name: string): Promise<NatsNode | null> {
  try {
    const info = await bus?.jsm.streams.info(name);
    const leader = info?.cluster?.leader;
    return leader ? cluster.node(leader) : null;
  } catch {
    return null;
  }
}

/** The last sequence of each stream, as its leader says. */
async function streamTargets(): Promise<Map<string, number>> {
  const targets = new Map<string, number>();
  for (const name of [bus?.names.tickets, bus?.names.dispatch]) {
    if (!name) continue;
    for (let tries = 0; ; tries++) {
      try {
        const info = await bus?.jsm.streams.info(name);
        targets.set(name, info?.state.last_seq ?? 0);
        break;
      } catch {
        if (tries > 40) throw new StackError(`the cluster says nothing about stream ${name}`);
        await pause(500);
      }
    }
  }
  return targets;
}

/**
 * Starts a stopped node and waits until its copy of every stream holds what the leaders
 * held while it was away (taken just before it starts); returns how long that took.
 */
async function restartAndCatchUp(node: NatsNode, timeoutMs = 60_000): Promise<string> {
  const targets = await streamTargets();
  const started = Date.now();
  await cluster.startNode(node);
  while (Date.now() - started < timeoutMs) {
    const mine = await cluster.replicas(node);
    if (mine && [...targets].every(([name, seq]) => (mine.find((s) => s.stream === name)?.lastSeq ?? -1) >= seq)) {
      return `caught up ${secs(Date.now() - started)} after its start (to seq ${[...targets].map(([n, seq]) => `${seq} of ${n}`).join(', ')})`;
    }
    await pause(250);
  }
  stackFailures.push(`${node.name} did not catch up within ${timeoutMs / 1000} s`);
  return `DID NOT catch up within ${timeoutMs / 1000} s of its start`;
}

async function settle(accepted: string[]): Promise<void> {
  const db = sql;
  const box = inboxes;
  if (!db || !box) return;
  const until = Date.now() + SETTLE_MS;
  let lastReport = 0;
  for (;;) {
    abort.signal.throwIfAborted();
    const [row] = await db<{ waiting: number; unsent: number }[]>`
      select
        (select count(*)::int from tickets where id = any(${accepted}::uuid[])
           and status not in ('dispatched','accepted','returned','replied','callback_pending','closed','reopened')) as waiting,
        (select count(*)::int from outbox where sent_at is null) as unsent`;
    const reached = new Set(box.deliveries.filter((d) => d.role === 'main').map((d) => d.ticketId));
    const notReached = accepted.filter((id) => !reached.has(id)).length;
    const outstanding = await box.outstanding();
    const done = row?.waiting === 0 && row.unsent === 0 && notReached === 0 && outstanding === 0;
    if (done || Date.now() > until || Date.now() - lastReport > 10_000) {
      say(
        `settling: ${row?.waiting} not dispatched yet, ${row?.unsent} outbox rows unsent, ${notReached} not at their department, ` +
          `${outstanding ?? '?'} messages pending in department durables`,
      );
      lastReport = Date.now();
    }
    if (done) break;
    if (Date.now() > until) {
      say(`the pipeline did not settle within ${SETTLE_MS / 1000} s; checking what is there`);
      break;
    }
    await pause(1000);
  }
  // Late duplicates (a relay republishing after a restart) would arrive now.
  await pause(3000);
}

async function run(): Promise<boolean> {
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const specs = discoverServices(PORT_OFFSET);
  if (specs.length === 0) throw new StackError('no services/*/src/server.ts to start');
  const intake = specs.find((s) => s.name === 'intake');
  const dispatcher = specs.find((s) => s.name === 'dispatcher');
  if (!intake || !dispatcher) throw new StackError('the suite needs the intake and dispatcher services');
  for (const port of [PG_PORT, ...specs.map((s) => s.port)]) {
    if (await probePort(port)) throw new StackError(`port ${port} is taken: is another fault suite running? (ports ${PG_PORT}, ${specs.map((s) => s.port).join(', ')})`);
  }
  const bodies = readReplayFixture(fixture);

  say(`NATS: starting the 3-node cluster from infra/nats (${cluster.url})`);
  await cluster.start();
  say(`PostgreSQL: starting a throwaway server on 127.0.0.1:${PG_PORT} (${dataDir})`);
  pg = await startPostgres();
  const databaseUrl = `postgres://postgres@127.0.0.1:${PG_PORT}/${DATABASE}`;
  const admin = postgres(`postgres://postgres@127.0.0.1:${PG_PORT}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${DATABASE} with (force)`);
  await admin.end({ timeout: 5 });
  await prepareDatabase(databaseUrl, { developmentKeys: true });
  const db = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  sql = db;
  const codes = (await db<{ code: string }[]>`select code from departments order by code`).map((r) => r.code);

  const checker = await connectBus({ servers: cluster.url, name: 'faults-checker' });
  bus = checker;
  const names = checker.names;
  await ensureStreams(checker.jsm, names, { replicas: 3 });
  // The dispatcher creates the same durables at start; made here first so the departments' loops can bind now.
  for (const code of codes) {
    await ensureConsumer(checker, { stream: names.dispatch, durable: departmentDurable(code), filterSubjects: [names.dispatchSubject(code)] });
  }
  const box = await DepartmentInboxes.start(cluster.url, names, codes);
  inboxes = box;
  say(`departments: ${codes.length} durables dept-<code> consumed and acknowledged`);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    NATS_URL: cluster.url,
    NATS_REPLICAS: '3',
    NATS_PREFIX: '',
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '0',
    // Every ticket is routed without triage, so every one must reach a department.
    CLASSIFIER_THRESHOLD: '0',
    CLASSIFIER_MIN_CONTENT_WORDS: '0',
  };
  delete env.PORT;
  delete env.PORT_OFFSET;
  const svc = new FaultServices(specs, env, logDir, say);
  services = svc;
  say(`services: ${specs.map((s) => `${s.name} :${s.port}`).join(', ')} (logs in ${logDir})`);
  svc.start();
  await svc.waitAllHealthy(120_000, abort.signal);

  const triage = new TriageAgent(databaseUrl, `http://127.0.0.1:${dispatcher.port}`, 'Bearer dev-agent');
  agent = triage;
  triage.start();

  const load = new ReplayLoad({ url: `http://127.0.0.1:${intake.port}`, authorization: 'Bearer dev-agent', bodies, rate: RATE, phase: () => current });
  say(`load: ${RATE} appeals/s from ${bodies.length} real messages`);
  current = 'baseline';
  load.start();
  try {
    await phase('baseline', async () => 'no fault');
    for (const s of specs) {
      await phase(`kill -9 ${s.name}`, async () => {
        const { downMs } = await svc.killAndRestart(s.name, abort.signal);
        return `answering again after ${secs(downMs)}`;
      });
    }
    await phase('kill -9 one NATS node', async () => {
      const node = (await streamLeader(names.dispatch)) ?? cluster.nodes[0]!;
      await cluster.stopNode(node, 'SIGKILL');
      return `${node.name}, leader of ${names.dispatch}: ${await restartAndCatchUp(node)}`;
    });
    await phase(`stop one NATS node ${NATS_STOP_MS / 1000} s`, async () => {
      const node = (await streamLeader(names.tickets)) ?? cluster.nodes[1]!;
      await cluster.stopNode(node, 'SIGTERM');
      await pause(NATS_STOP_MS);
      return `${node.name}, leader of ${names.tickets}, away ${secs(NATS_STOP_MS)}: ${await restartAndCatchUp(node)}`;
    });
    await phase('restart all NATS nodes', async () => {
      const started = Date.now();
      await Promise.all(cluster.nodes.map((n) => cluster.stopNode(n, 'SIGTERM')));
      await Promise.all(cluster.nodes.map((n) => cluster.startNode(n)));
      return `cluster back after ${secs(Date.now() - started)}`;
    });
    await phase('restart PostgreSQL', async () => {
      const started = Date.now();
      await pg?.stop();
      pg = await startPostgres();
      return `fast stop + start, back after ${secs(Date.now() - started)}`;
    });
    await phase('after the faults', async () => 'no fault');
  } finally {
    await load.stop();
  }
  current = 'after the faults';
  say(`load stopped; waiting for ${load.pending} requests still retrying`);
  await load.finish(60_000);
  const accepted = load.accepted.map((a) => a.id);
  say(`${accepted.length} appeals accepted; waiting for the pipeline to settle (at most ${SETTLE_MS / 1000} s)`);
  await settle(accepted);

  await triage.stop();
  const [triaged] = await db<{ n: number }[]>`select count(distinct ticket_id)::int as n from ticket_events where type = 'triaged'`;
  const crashes = specs.map((s) => ({ name: s.name, n: svc.crashes(s.name) })).filter((c) => c.n > 0);
  const verdict = await verify({
    sql: db,
    bus: checker,
    cluster,
    accepted: load.accepted,
    phases,
    load: load.perPhase,
    deliveries: box.deliveries,
    rejected: load.rejected.length,
    unanswered: load.unanswered.length,
    invalidDispatchMessages: box.invalid.length,
  });
  for (const f of stackFailures) verdict.global.push({ what: f, count: 1 });
  const ok = verdict.ok && stackFailures.length === 0;

  console.log('');
  for (const line of formatVerdict(verdict)) console.log(line);
  console.log('');
  const replayed = load.accepted.filter((a) => a.replayed).length;
  console.log(
    `notes: ${replayed} tickets came back as an idempotent replay (an earlier attempt had stored them); ` +
      `${box.redeliveries} redeliveries of one message to a department, acknowledged once; ` +
      `department pull loops restarted ${box.restarts} times` +
      (crashes.length > 0 ? `; services that exited by themselves and were restarted: ${crashes.map((c) => `${c.name} ${c.n}x`).join(', ')}` : ''),
  );
  console.log(`       ${triaged?.n ?? 0} tickets went to triage (the model has no labels for a category they name) and were dispatched by the suite's agent`);
  for (const [id, refusal] of [...triage.refusals].slice(0, 5)) console.log(`       the agent could not dispatch ${id}: ${refusal}`);
  if (load.rejected.length > 0) console.log(`first refusal: ${load.rejected[0]?.status} ${load.rejected[0]?.body}`);
  console.log(ok ? 'RESULT: PASS, nothing lost, duplicated or missing' : 'RESULT: FAIL');
  return ok;
}

try {
  exitCode = (await run()) ? 0 : 1;
} catch (err) {
  exitCode = 1;
  if (abort.signal.aborted) say('stopped before the end');
  else if (err instanceof StackError) console.error(`[faults] ${err.message}`);
  else console.error('[faults] failed:', err);
}

const steps: [string, () => Promise<void> | undefined][] = [
  ['triage agent', () => agent?.stop()],
  ['department loops', () => inboxes?.stop()],
  ['bus', () => bus?.close()],
  ['database pool', () => sql?.end({ timeout: 5 })],
  ['services', () => services?.stop()],
  ['NATS cluster', () => cluster.stop()],
  ['PostgreSQL', () => pg?.stop()],
];
for (const [name, step] of steps) {
  try {
    await step();
  } catch (err) {
    console.error(`[faults] stopping ${name} failed:`, err);
  }
}
const left = ownedCount();
if (left > 0) say(`${left} processes still running; killing them`);
say(`done in ${secs(Date.now() - t0)}`);
process.exit(exitCode);
