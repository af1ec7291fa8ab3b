/**
 * pnpm bench:classify [--messages <file.jsonl>] [--seconds <n>] [--rate <n>]
 *
 * Classifications per second on one core over real messages (title + body), one at a time and
 * in batches, the model's load time and the process's resident memory once it is loaded; and
 * the latency of POST /v1/classify (an agent's live suggestion) from the classifier service
 * running as a child process, at an even --rate of requests per second (default 100), seen by
 * the load generator and by the service itself. Prints figures; never fails on them.
 */
import { readFileSync } from 'node:fs';
import { loadModel } from '@hotline/classifier';
import { ADMIN_DATABASE_URL, NATS_URL } from '@hotline/testkit';
import { runPaced } from './lib/bench-paced';
import { assertLocal, benchSuffix, createBenchBus, createBenchDatabase, startService } from './lib/bench-stack';
import { distribution, percentile } from './lib/bench-stats';
import { defaultUnlabelledMessages, parseArguments, repoRoot } from './lib/labelled-data';

const args = parseArguments(process.argv.slice(2), { messages: 'string', seconds: 'string', rate: 'string' });
const file = typeof args.messages === 'string' ? args.messages : defaultUnlabelledMessages;
/** One-second windows of each way of classifying. */
const seconds = Number(args.seconds ?? 10);
const messages = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { title?: string; body?: string })
  .map((m) => ({ title: m.title ?? '', body: m.body ?? '' }));

/**
 * POST /v1/classify over HTTP, from the service as it runs, measured before this process loads
 * the model so that the load generator carries none of it. The same load on a path the service
 * does not have (404) shows what the generator, HTTP and the machine add on their own. The
 * service logs at info, as in production, and its "request completed" lines give the time
 * each request spent in it (Fastify's responseTime: from the request's arrival to the response
 * sent), which the generator's own stalls do not touch.
 */
async function liveSuggestionLatency(rate: number): Promise<string[]> {
  assertLocal(ADMIN_DATABASE_URL, 'PostgreSQL');
  assertLocal(NATS_URL, 'NATS');
  const suffix = benchSuffix();
  const database = await createBenchDatabase(ADMIN_DATABASE_URL, `hotline_bench_${suffix}`);
  const bus = await createBenchBus(NATS_URL, `bench_${suffix}`);
  const port = 3192;
  const inService: number[] = [];
  const service = await startService('classifier', {
    repoRoot,
    port,
    nodeFlags: [],
    env: { DATABASE_URL: database.url, NATS_URL, NATS_PREFIX: `bench_${suffix}`, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0' },
    log: (line) => {
      const entry = parseLogLine(line);
      if (entry?.msg === 'request completed' && typeof entry.responseTime === 'number') inService.push(entry.responseTime);
      else if (entry?.msg !== 'incoming request') process.stderr.write(`[classifier] ${line}\n`);
    },
  });
  try {
    let next = 0;
    const body = () => {
      const m = messages[next++ % messages.length] as { title: string; body: string };
      return JSON.stringify({ text: m.body.slice(0, 10_000), title: m.title.slice(0, 200) });
    };
    const request = { url: `http://127.0.0.1:${port}`, path: '/v1/classify', headers: { 'content-type': 'application/json', authorization: 'Bearer dev-agent' }, body, connections: 16 };
    // The service's log lines reach this process through a pipe, a little after each response.
    const logsCaughtUp = () => new Promise((resolve) => setTimeout(resolve, 300));
    await runPaced({ ...request, rate, seconds: 3 });
    await logsCaughtUp();
    inService.length = 0;
    const result = await runPaced({ ...request, rate, seconds: 15 });
    await logsCaughtUp();
    const s = distribution(inService);
    const floor = await runPaced({ ...request, path: '/v1/no-such-route', rate, seconds: 10 });
    const d = distribution(result.sentLatencies);
    const due = distribution(result.latencies);
    const late = distribution(result.lateness);
    const f = distribution(floor.sentLatencies);
    return [
      `POST /v1/classify at ${rate} requests/s for 15 s (open loop, from when each was sent): p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms, max ${d.max.toFixed(1)} ms; ${result.statuses.get(200) ?? 0} of ${result.sent} answered 200`,
      `  from when each was due instead (with the generator's own lateness, p50 ${late.p50.toFixed(1)} ms, p99 ${late.p99.toFixed(1)} ms, max ${late.max.toFixed(1)} ms): p50 ${due.p50.toFixed(1)} ms, p99 ${due.p99.toFixed(1)} ms, max ${due.max.toFixed(1)} ms`,
      `  of which in the service (its responseTime, ${s.count} requests): p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`,
      `the same load on a path it does not have (404: generator, HTTP and machine alone) for 10 s, from when sent: p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms`,
    ];
  } finally {
    await service.stop();
    await bus.drop();
    await database.drop();
  }
}

function parseLogLine(line: string): { msg?: unknown; responseTime?: unknown } | null {
  try {
    return JSON.parse(line) as { msg?: unknown; responseTime?: unknown };
  } catch {
    return null;
  }
}

const latencyLines = await liveSuggestionLatency(Number(args.rate ?? 100));

const rssBefore = process.memoryUsage().rss;

const loadStarted = performance.now();
// Includes jieba's dictionary, which loadModel loads too.
const model = loadModel();
const loadMs = performance.now() - loadStarted;
const rssAfterLoad = process.memoryUsage().rss;

/** One way of classifying: the messages `size` at a time (1: one `classify` call each). */
interface Way {
  size: number;
  batches: (typeof messages)[];
  /** The next batch, so that the windows together cover every message equally. */
  next: number;
  /** Classifications per second of each window. */
  rates: number[];
}

function way(size: number): Way {
  const batches: (typeof messages)[] = [];
  for (let i = 0; i < messages.length; i += size) batches.push(messages.slice(i, i + size));
  return { size, batches, next: 0, rates: [] };
}

/** Classifications per second in a window of about a second. */
function measureWindow(w: Way): number {
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < 1000) {
    const batch = w.batches[w.next] ?? [];
    w.next = (w.next + 1) % w.batches.length;
    if (w.size === 1) for (const m of batch) model.classify(m.body, m.title);
    else model.classifyMany(batch.map((m) => ({ text: m.body, title: m.title })));
    count += batch.length;
  }
  return count / ((performance.now() - started) / 1000);
}

// One at a time and in batches, in alternating one-second windows, so that a slow spell of the
// VM (its speed moves within minutes) falls on both ways rather than on one of them. A window of
// each first, not counted: the compiler's warm-up.
const ways = [way(1), way(256)];
for (const w of ways) measureWindow(w);
for (let i = 0; i < seconds; i++) for (const w of ways) w.rates.push(measureWindow(w));

let characters = 0;
for (const m of messages) characters += m.title.length + m.body.length;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
console.log(`model ${model.version} (trained on ${model.trainedOn}), ${messages.length} messages from ${file}`);
console.log(`mean message length: ${Math.round(characters / messages.length)} characters`);
console.log(`model load (incl. jieba dictionary): ${loadMs.toFixed(0)} ms`);
console.log(`resident memory after load: ${mb(rssAfterLoad)} (before load ${mb(rssBefore)})`);
for (const w of ways) {
  const sorted = [...w.rates].sort((a, b) => a - b);
  // Nearest rank: of an even number of windows, the lower of the two middle ones.
  const median = percentile(sorted, 50);
  const how = w.size === 1 ? 'one at a time (the service)' : `in batches of ${w.size} (pnpm classify)`;
  console.log(
    `classifications per second, one core, ${how}: ${Math.round(median)} (median of ${sorted.length} one-second windows, ${Math.round(sorted[0] ?? 0)}–${Math.round(sorted.at(-1) ?? 0)}; ${(1e6 / median).toFixed(0)} µs each)`,
  );
}

for (const line of latencyLines) console.log(line);
