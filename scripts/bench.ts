/**
 * pnpm bench [--rates 50,100,200,...] [--step 15] [--warmup 10] [--connections 64] [--data <dir>]
 *            [--ceiling-clients 8] [--ceiling-seconds 15]
 *
 * The end-to-end load benchmark. Intake, classifier and dispatcher run as child processes on
 * a database and NATS prefix of their own; a department system consumes hotline.dispatch.>.
 * Real message texts are sent at rising, evenly paced rates (open loop); per rate it prints the accepted tickets/s,
 * intake latency p50/p99, and the time from sending the appeal to the department receiving
 * its dispatch (p50/p99), and stops after the first rate whose intake p99 passes 100 ms.
 * Then pgbench runs the same database work as fast as the machine allows (the ceiling: a
 * ticket's journey, the statements intake, classifier and dispatcher send; and intake's insert
 * alone), and our best sustained rate is printed as a share of it. The classifier routes every ticket
 * (threshold 0), so every appeal travels the whole way. BENCH_ENV_<NAME>=value passes
 * NAME=value to every service (e.g. BENCH_ENV_CLASSIFIER_CONCURRENCY=32);
 * BENCH_CPU_PROF=1 writes CPU profiles of the services to bench-results/cpu-prof-e2e/.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ADMIN_DATABASE_URL, NATS_URL } from '@hotline/testkit';
import { measureCeiling } from './lib/bench-ceiling';
import { buildTicketBodies, readMessages, resolveMessagesFile } from './lib/bench-data';
import { startEventRecorder, type EventRecorder } from './lib/bench-events';
import { runPaced } from './lib/bench-paced';
import { assertLocal, benchSuffix, createBenchBus, createBenchDatabase, startService, type BenchDatabase, type ServiceProcess } from './lib/bench-stack';
import { cpuSnapshot, cpuUsage, distribution, postgresPercent, type CpuUsage } from './lib/bench-stats';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const P99_LIMIT_MS = 100;
const TARGET_SHARE_OF_CEILING = 0.5;

const { values: args } = parseArgs({
  options: {
    rates: { type: 'string', default: '50,100,200,300,400,500,600,800' },
    step: { type: 'string', default: '15' },
    connections: { type: 'string', default: '64' },
    data: { type: 'string' },
    warmup: { type: 'string', default: '10' },
    'ceiling-clients': { type: 'string', default: '8' },
    'ceiling-seconds': { type: 'string', default: '15' },
    /** Keep the stack's database afterwards, to look into it. */
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});
const rates = args.rates.split(',').map(Number);
if (rates.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`--rates must be positive numbers, got ${args.rates}`);
const stepSeconds = Number(args.step);
const connections = Number(args.connections);

assertLocal(ADMIN_DATABASE_URL, 'PostgreSQL');
assertLocal(NATS_URL, 'NATS');
const rows = readMessages(resolveMessagesFile(args.data, path.resolve(repoRoot, '../shared/data/tipdm2020c')));
const bodies = buildTicketBodies(rows);
const suffix = benchSuffix();
const prefix = `bench_${suffix}`;
const ID_PATTERN = /"id":"([0-9a-f-]{36})"/;

interface Step {
  rate: number;
  ids: string[];
  accepted: number;
  perSecond: number;
  intake: { p50: number; p99: number };
  dispatch: { p50: number; p99: number; arrived: number };
  errors: number;
  /** CPU over the step and until its tickets arrived, of each process, in percent of one core. */
  cpu: CpuUsage;
}

const SERVICES = ['intake', 'classifier', 'dispatcher'] as const;

/** CPU milliseconds per accepted ticket: each service, PostgreSQL, NATS, this process (load and department consumer), the rest of the machine. */
function cpuPerTicket(step: Step): number[] {
  const { byService, byGroup, unaccounted, irq } = step.cpu;
  return [
    ...SERVICES.map((name) => msPerTicket(step, byService[name] ?? 0)),
    postgresMs(step),
    msPerTicket(step, byGroup['nats-server']),
    msPerTicket(step, byGroup.bench),
    msPerTicket(step, byGroup.other + unaccounted + irq),
  ];
}

/** Percent of one core over the step → CPU milliseconds per accepted ticket. */
function msPerTicket(step: Step, percent: number): number {
  return (percent * 10 * step.cpu.seconds) / Math.max(1, step.ids.length);
}

/** PostgreSQL's CPU milliseconds per accepted ticket over a step. */
function postgresMs(step: Step): number {
  return msPerTicket(step, postgresPercent(step.cpu));
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const services: ServiceProcess[] = [];
let database: BenchDatabase | null = null;
let ceilingDatabase: BenchDatabase | null = null;
let bus: Awaited<ReturnType<typeof createBenchBus>> | null = null;
let recorder: EventRecorder | null = null;
let exitCode = 0;

try {
  database = await createBenchDatabase(ADMIN_DATABASE_URL, `hotline_bench_${suffix}`);
  bus = await createBenchBus(NATS_URL, prefix);
  recorder = await startEventRecorder({ natsUrl: NATS_URL, prefix, stream: bus.names.dispatch, subject: bus.names.dispatchSubjects, requireOccurredAt: false });
  const env = {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    NATS_URL,
    NATS_PREFIX: prefix,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    // Every ticket routed without an agent, so each one makes the whole journey to its department.
    CLASSIFIER_THRESHOLD: '0',
    CLASSIFIER_MIN_CONTENT_WORDS: '0',
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_ENV_')).map(([k, v]) => [k.slice('BENCH_ENV_'.length), v as string])),
  };
  for (const [i, name] of SERVICES.entries()) {
    const port = 3101 + i;
    services.push(await startService(name, { repoRoot, env: { ...env, PORT: String(port), OUTBOX_RELAY: String(name === (process.env.RELAY_IN ?? name)) }, port, nodeFlags: process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', path.join(repoRoot, 'bench-results', 'cpu-prof-e2e')] : [], log: (line) => console.error(`[${name}] ${line}`) }));
  }
  const intakeUrl = 'http://127.0.0.1:3101';
  console.log(`stack    intake, classifier, dispatcher on database ${database.name}, NATS prefix ${prefix}; ${bodies.length} real messages`);

  const sentAt = new Map<string, number>();
  const steps: Step[] = [];
  let next = 0;
  // Unmeasured: the services' first requests compile code paths and load the model.
  const warmupSeconds = Number(args.warmup);
  const headers = { 'content-type': 'application/json', authorization: 'Bearer dev-agent' };
  const nextBody = () => bodies[next++ % bodies.length] as string;
  if (warmupSeconds > 0) {
    await runPaced({ url: intakeUrl, path: '/v1/tickets', headers, body: nextBody, rate: rates[0] as number, seconds: warmupSeconds, connections });
    await new Promise((r) => setTimeout(r, 3_000));
  }
  const warmupIds = new Set((await database.sql<{ id: string }[]>`select id from tickets`).map((r) => r.id));
  const cpuContext = {
    services: Object.fromEntries(services.map((service, i) => [SERVICES[i] as string, service.pid])),
    benchDatabase: database.name,
    natsPort: Number(new URL(NATS_URL).port || 4222),
  };
  for (const rate of rates) {
    const ids: string[] = [];
    const cpuBefore = cpuSnapshot(cpuContext);
    const result = await runPaced({
      url: intakeUrl,
      path: '/v1/tickets',
      headers,
      body: nextBody,
      rate,
      seconds: stepSeconds,
      connections,
      onResponse: (status, body, dueAt) => {
        if (status !== 201) return;
        const id = ID_PATTERN.exec(body.slice(0, 80))?.[1];
        if (!id) return;
        ids.push(id);
        sentAt.set(id, dueAt);
      },
    });
    const latency = distribution(result.latencies);
    // Give the step's tickets time to reach their departments before the next rate: until
    // nothing more arrives for 3 s (some go to triage, some to two departments), at most 30 s.
    const until = Date.now() + 30_000;
    let seen = -1;
    let quietSince = Date.now();
    while (Date.now() < until && Date.now() - quietSince < 3_000) {
      await new Promise((r) => setTimeout(r, 100));
      if (recorder.arrived() !== seen) {
        seen = recorder.arrived();
        quietSince = Date.now();
      }
    }
    const cpu = cpuUsage(cpuBefore, cpuSnapshot(cpuContext, cpuBefore));
    const step: Step = {
      rate,
      ids,
      accepted: ids.length,
      perSecond: ids.length / result.durationSeconds,
      intake: { p50: latency.p50, p99: latency.p99 },
      dispatch: { p50: Number.NaN, p99: Number.NaN, arrived: 0 },
      errors: result.errors + result.sent - ids.length,
      cpu,
    };
    steps.push(step);
    console.log(`rate ${rate}/s: ${step.accepted} accepted (${fmt(step.perSecond)}/s), intake p50 ${fmt(step.intake.p50)} ms p99 ${fmt(step.intake.p99)} ms, ${step.errors} not accepted`);
    if (step.intake.p99 > P99_LIMIT_MS) break;
  }

  const events = await recorder.stop();
  recorder = null;
  // The first dispatch of a ticket (main and co-handling departments arrive together).
  const firstArrival = new Map<string, number>();
  events.ticketIds.forEach((id, i) => {
    if (!firstArrival.has(id)) firstArrival.set(id, events.arrivalMono[i] as number);
  });
  for (const service of services.splice(0)) await service.stop();

  const allIds = [...sentAt.keys()];
  // Where the time goes between the hops, from the events' own times (set before each commit).
  const hops = await database.sql<{ hop: string; p50: number; p99: number }[]>`
    with t as (
      select ticket_id,
             min(occurred_at) filter (where type = 'received') as received,
             min(occurred_at) filter (where type = 'classified') as classified,
             min(occurred_at) filter (where type = 'dispatched') as dispatched
      from ticket_events where ticket_id <> all(${[...warmupIds]}::uuid[]) group by ticket_id)
    select 'received→classified' as hop,
           percentile_cont(0.5) within group (order by extract(epoch from classified - received) * 1000) as p50,
           percentile_cont(0.99) within group (order by extract(epoch from classified - received) * 1000) as p99
    from t where classified is not null
    union all
    select 'classified→dispatched',
           percentile_cont(0.5) within group (order by extract(epoch from dispatched - classified) * 1000),
           percentile_cont(0.99) within group (order by extract(epoch from dispatched - classified) * 1000)
    from t where dispatched is not null`;
  for (const step of steps) {
    const latencies = step.ids.flatMap((id) => {
      const arrived = firstArrival.get(id);
      return arrived === undefined ? [] : [arrived - (sentAt.get(id) as number)];
    });
    const d = distribution(latencies);
    step.dispatch = { p50: d.p50, p99: d.p99, arrived: d.count };
  }
  // Tickets the classifier could not route (an unlabelled category, say) wait in triage for an agent.
  const triaged = new Set((await database.sql<{ id: string }[]>`select id from tickets where status = 'triage'`).map((r) => r.id));
  const lost = allIds.filter((id) => !firstArrival.has(id) && !triaged.has(id)).length;
  for (const step of steps) step.accepted -= step.ids.filter((id) => triaged.has(id)).length;

  const ceilingDb = (ceilingDatabase = await createBenchDatabase(ADMIN_DATABASE_URL, `hotline_ceiling_${suffix}`));
  const texts = bodies.map((b) => (JSON.parse(b) as { content: string }).content);
  console.log(`ceiling  pgbench, ${args['ceiling-clients']} clients, ${args['ceiling-seconds']} s each, on the ${texts.length} texts of the load: a ticket's whole journey, then intake's insert alone`);
  const ceilingCpuContext = { services: {}, benchDatabase: ceilingDb.name, natsPort: cpuContext.natsPort };
  const ceilingSeconds = Number(args['ceiling-seconds']);
  /** A ceiling and PostgreSQL's CPU milliseconds per pgbench transaction in it. */
  const measure = async (work: 'journey' | 'insert') => {
    const before = cpuSnapshot(ceilingCpuContext);
    // Taken while pgbench still runs: its backends exit with it, and their CPU with them.
    const after = new Promise<ReturnType<typeof cpuSnapshot>>((resolve) =>
      setTimeout(() => resolve(cpuSnapshot(ceilingCpuContext, before)), Math.max(0.5, ceilingSeconds - 1) * 1000),
    );
    const ceiling = await measureCeiling(ceilingDb, texts, { clients: Number(args['ceiling-clients']), seconds: ceilingSeconds, work });
    const cpu = cpuUsage(before, await after);
    return { ...ceiling, postgresMs: (postgresPercent(cpu) * 10) / ceiling.transactionsPerSecond };
  };
  const journey = await measure('journey');
  const insert = await measure('insert');

  const sustained = steps.filter((s) => s.intake.p99 <= P99_LIMIT_MS && s.dispatch.arrived === s.accepted);
  const best = sustained.reduce<Step | null>((a, s) => (a && a.perSecond >= s.perSecond ? a : s), null);
  const share = best ? best.perSecond / journey.transactionsPerSecond : 0;
  const lines = [
    `End-to-end benchmark (pnpm bench), ${new Date().toISOString()}, ${os.availableParallelism()} cores ${os.cpus()[0]?.model ?? ''}, node ${process.version}`,
    'rate/s  accepted/s  intake p50/p99 ms  intake→department p50/p99 ms  reached department / routable',
    ...steps.map(
      (s) =>
        `${String(s.rate).padStart(6)}  ${fmt(s.perSecond).padStart(10)}  ${`${fmt(s.intake.p50)}/${fmt(s.intake.p99)}`.padStart(17)}  ${`${fmt(s.dispatch.p50)}/${fmt(s.dispatch.p99)}`.padStart(28)}  ${s.dispatch.arrived}/${s.accepted}`,
    ),
    '',
    'CPU per accepted ticket, ms (CPU time over the step and until its tickets arrived: less sensitive to a slow machine than the rates)',
    `rate/s  ${[...SERVICES, 'postgres', 'nats', 'load+department', 'other'].map((h) => h.padStart(16)).join('')}`,
    ...steps.map((s) => `${String(s.rate).padStart(6)}  ${cpuPerTicket(s).map((ms) => ms.toFixed(2).padStart(16)).join('')}`),
    '',
    `hops     ${hops.map((h) => `${h.hop} p50 ${fmt(h.p50)} ms, p99 ${fmt(h.p99)} ms`).join('; ')} (event times, all measured rates)`,
    `triage   ${triaged.size} of ${allIds.length} accepted tickets went to an agent (not routable by the model), left out of the dispatch figures`,
    `lost     ${lost} of the others did not reach a department within 30 s of their step`,
    `ceiling  journey ${fmt(journey.transactionsPerSecond)} tickets/s (latency ${fmt(journey.latencyMs)} ms, PostgreSQL ${journey.postgresMs.toFixed(2)} ms CPU per ticket); insert alone ${fmt(insert.transactionsPerSecond)}/s (latency ${fmt(insert.latencyMs)} ms, PostgreSQL ${insert.postgresMs.toFixed(2)} ms CPU per insert); pgbench, ${journey.clients} clients`,
    ...(best
      ? [
          `postgres ${fmt(postgresMs(best))} ms of PostgreSQL CPU per ticket end to end at ${best.rate}/s: ${(postgresMs(best) / journey.postgresMs).toFixed(1)}× the journey's in pgbench, ${(postgresMs(best) / insert.postgresMs).toFixed(1)}× the insert's`,
          `best sustained ${fmt(best.perSecond)} tickets/s end to end (intake p99 ${fmt(best.intake.p99)} ms, all dispatched) = ${(share * 100).toFixed(0)} % of the journey ceiling (${((100 * best.perSecond) / insert.transactionsPerSecond).toFixed(0)} % of the insert's); target ≥ ${TARGET_SHARE_OF_CEILING * 100} %: ${share >= TARGET_SHARE_OF_CEILING ? 'met' : 'MISSED'}`,
        ]
      : ['best sustained: no rate kept intake p99 under 100 ms with every ticket dispatched']),
  ];
  console.log(`\n${lines.join('\n')}\n`);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await recorder?.stop().catch(() => {});
  for (const service of services) await service.stop().catch(() => {});
  await bus?.drop().catch(() => {});
  if (args.keep && database) console.log(`kept database ${database.name}`);
  else await database?.drop().catch(() => {});
  await ceilingDatabase?.drop().catch(() => {});
}
process.exit(exitCode);
