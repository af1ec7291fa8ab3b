/**
 * pnpm bench:classify [--messages <file.jsonl>] [--seconds <n>] [--rate <n>]
 *
 * Classifications per second on one core over real messages (title + body), one at a time and
 * in batches, the model's load time and the process's resident memory once it is loaded; and
 * the latency of POST /v1/classify (an agent's live suggestion) from the classifier service
 * running as a child process, at an even --rate of requests per second (default 100). Prints
 * figures; never fails on them.
 */
import { readFileSync } from 'node:fs';
import { loadModel } from '@hotline/classifier';
import { ADMIN_DATABASE_URL, NATS_URL } from '@hotline/testkit';
import { runPaced } from './lib/bench-paced';
import { assertLocal, benchSuffix, createBenchBus, createBenchDatabase, startService } from './lib/bench-stack';
import { distribution } from './lib/bench-stats';
import { defaultUnlabelledMessages, parseArguments, repoRoot } from './lib/labelled-data';

const args = parseArguments(process.argv.slice(2), { messages: 'string', seconds: 'string', rate: 'string' });
const file = typeof args.messages === 'string' ? args.messages : defaultUnlabelledMessages;
const seconds = Number(args.seconds ?? 5);
const messages = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { title?: string; body?: string })
  .map((m) => ({ title: m.title ?? '', body: m.body ?? '' }));

/**
 * POST /v1/classify over HTTP, from the service as it runs, measured before this process loads
 * the model so that the load generator carries none of it. The same load on a path the service
 * does not have (404) shows what the generator, HTTP and the machine add on their own.
 */
async function liveSuggestionLatency(rate: number): Promise<string[]> {
  assertLocal(ADMIN_DATABASE_URL, 'PostgreSQL');
  assertLocal(NATS_URL, 'NATS');
  const suffix = benchSuffix();
  const database = await createBenchDatabase(ADMIN_DATABASE_URL, `hotline_bench_${suffix}`);
  const bus = await createBenchBus(NATS_URL, `bench_${suffix}`);
  const port = 3192;
  const service = await startService('classifier', {
    repoRoot,
    port,
    nodeFlags: [],
    env: { DATABASE_URL: database.url, NATS_URL, NATS_PREFIX: `bench_${suffix}`, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' },
    log: (line) => process.stderr.write(`[classifier] ${line}\n`),
  });
  try {
    let next = 0;
    const body = () => {
      const m = messages[next++ % messages.length] as { title: string; body: string };
      return JSON.stringify({ text: m.body.slice(0, 10_000), title: m.title.slice(0, 200) });
    };
    const request = { url: `http://127.0.0.1:${port}`, path: '/v1/classify', headers: { 'content-type': 'application/json', authorization: 'Bearer dev-agent' }, body, connections: 16 };
    await runPaced({ ...request, rate, seconds: 3 });
    const result = await runPaced({ ...request, rate, seconds: 15 });
    const floor = await runPaced({ ...request, path: '/v1/no-such-route', rate, seconds: 10 });
    const d = distribution(result.latencies);
    const f = distribution(floor.latencies);
    return [
      `POST /v1/classify at ${rate} requests/s for 15 s (open loop, from when each was due): p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms, max ${d.max.toFixed(1)} ms; ${result.statuses.get(200) ?? 0} of ${result.sent} answered 200`,
      `the same load on a path it does not have (404: generator, HTTP and machine alone) for 10 s: p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms`,
    ];
  } finally {
    await service.stop();
    await bus.drop();
    await database.drop();
  }
}

const latencyLines = await liveSuggestionLatency(Number(args.rate ?? 100));

const rssBefore = process.memoryUsage().rss;

const loadStarted = performance.now();
// Includes jieba's dictionary, which loadModel loads too.
const model = loadModel();
const loadMs = performance.now() - loadStarted;
const rssAfterLoad = process.memoryUsage().rss;

/** Classifications per second over the messages for `seconds`, `batch` at a time (1: one call each). */
function throughput(batch: number): { perSecond: number; count: number; elapsed: number } {
  const batches: (typeof messages)[] = [];
  for (let i = 0; i < messages.length; i += batch) batches.push(messages.slice(i, i + batch));
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    if (batch === 1) for (const m of messages) model.classify(m.body, m.title);
    else for (const b of batches) model.classifyMany(b.map((m) => ({ text: m.body, title: m.title })));
    count += messages.length;
  }
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: count / elapsed, count, elapsed };
}

let characters = 0;
for (const m of messages) characters += m.title.length + m.body.length;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
console.log(`model ${model.version} (trained on ${model.trainedOn}), ${messages.length} messages from ${file}`);
console.log(`mean message length: ${Math.round(characters / messages.length)} characters`);
console.log(`model load (incl. jieba dictionary): ${loadMs.toFixed(0)} ms`);
console.log(`resident memory after load: ${mb(rssAfterLoad)} (before load ${mb(rssBefore)})`);
for (const batch of [1, 256]) {
  const { perSecond, count, elapsed } = throughput(batch);
  const how = batch === 1 ? 'one at a time (the service)' : `in batches of ${batch} (pnpm classify)`;
  console.log(`classifications per second, one core, ${how}: ${Math.round(perSecond)} (${count} in ${elapsed.toFixed(1)} s, ${(1e6 / perSecond).toFixed(0)} µs each)`);
}

for (const line of latencyLines) console.log(line);
