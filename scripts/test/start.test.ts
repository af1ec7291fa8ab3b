/**
 * `pnpm start` end to end: the real script as a child process, on the machine's PostgreSQL
 * and NATS (a database and stream prefix of its own, ports moved off the defaults) and on
 * throwaway servers it starts itself; plus the two ways it refuses to start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBus, deleteStreams } from '@hotline/bus';
import { ADMIN_DATABASE_URL, NATS_URL, uniqueName } from '@hotline/testkit';
import postgres from 'postgres';
import t, { type Test } from 'tap';
import { discoverServices, findExecutable, probePort, repoRoot, waitForHealthy } from '../lib/stack';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}
interface Stack {
  child: ChildProcess;
  exited: Promise<Exit>;
  output(): string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on: the kernel hands out a free one, which is closed again at once. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A PORT_OFFSET whose service ports are all free, so a stack someone runs on 3001… is left alone. */
async function freeOffset(): Promise<number> {
  for (;;) {
    const offset = 20_000 + Math.floor(Math.random() * 20_000);
    const taken = await Promise.all(discoverServices(offset).map((s) => probePort(s.port)));
    if (!taken.some(Boolean)) return offset;
  }
}

function startStack(t: Test, env: Record<string, string>): Stack {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // A failed assertion must not leave the stack running: stop it the way a person would.
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    if (!(await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]))) child.kill('SIGKILL');
  });
  return { child, exited, output: () => output };
}

async function exitWithin(stack: Stack, ms: number): Promise<Exit | null> {
  return Promise.race([stack.exited, sleep(ms).then(() => null)]);
}

async function outputMatches(stack: Stack, pattern: RegExp, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!pattern.test(stack.output())) {
    if (Date.now() > until || stack.child.exitCode !== null) return false;
    await sleep(100);
  }
  return true;
}

async function takesATicket(t: Test, stack: Stack, intakePort: number): Promise<void> {
  const healthy = await Promise.race([waitForHealthy(intakePort, { timeoutMs: 90_000 }), stack.exited.then(() => false)]);
  if (!t.ok(healthy, 'intake answers /healthz', { output: stack.output() })) return;
  const res = await fetch(`http://127.0.0.1:${intakePort}/v1/tickets`, {
    method: 'POST',
    headers: { authorization: 'Bearer dev-agent', 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'phone', type: 'complaint', content: 'A3区某小区夜间施工噪音扰民' }),
  });
  t.equal(res.status, 201, 'a ticket is taken with the development agent key', { body: await res.text() });
}

async function stopsOnSigint(t: Test, stack: Stack, ports: number[]): Promise<void> {
  stack.child.kill('SIGINT');
  const exit = await exitWithin(stack, 15_000);
  t.same(exit, { code: 0, signal: null }, 'exits 0 within 15 s of SIGINT', { output: stack.output() });
  for (const port of ports) t.notOk(await probePort(port), `nothing listens on ${port} any more`);
}

t.test('runs on the PostgreSQL and NATS of the machine, takes a ticket, stops on SIGINT', async (t) => {
  const database = uniqueName('hotline_start');
  const prefix = uniqueName('start');
  const admin = postgres(ADMIN_DATABASE_URL, { max: 1, onnotice: () => {} });
  t.teardown(async () => {
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.end();
  });
  t.teardown(async () => {
    const bus = await connectBus({ servers: NATS_URL, prefix });
    await deleteStreams(bus.jsm, bus.names);
    await bus.close();
  });
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${database}`;
  const offset = await freeOffset();
  const stack = startStack(t, { DATABASE_URL: url.toString(), NATS_URL, NATS_PREFIX: prefix, PORT_OFFSET: String(offset) });

  await takesATicket(t, stack, 3001 + offset);
  t.match(stack.output(), /dev-agent, dev-manager, dev-admin/, 'prints the development keys');
  // The table comes once every service answers, or after a while when one does not.
  t.ok(await outputMatches(stack, new RegExp(`intake +http://127\\.0\\.0\\.1:${3001 + offset}/docs`), 30_000), 'prints where intake is', {
    output: stack.output(),
  });
  await stopsOnSigint(
    t,
    stack,
    discoverServices(offset).map((s) => s.port),
  );
});

t.test(
  'starts a throwaway PostgreSQL and nats-server when nothing answers, and stops them',
  { skip: findExecutable('nats-server') ? false : 'nats-server is not on PATH' },
  async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hotline-start-'));
    // As root the throwaway PostgreSQL runs as the postgres user, which must reach its directory.
    await chmod(dataDir, 0o755);
    t.teardown(() => rm(dataDir, { recursive: true, force: true }));
    const [nobody, pgPort, natsPort] = [await freePort(), await freePort(), await freePort()];
    const offset = await freeOffset();
    const stack = startStack(t, {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${nobody}/hotline`,
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      HOTLINE_PG_PORT: String(pgPort),
      HOTLINE_DATA_DIR: dataDir,
      PORT_OFFSET: String(offset),
    });

    await takesATicket(t, stack, 3001 + offset);
    t.match(stack.output(), `started a throwaway one on 127.0.0.1:${pgPort}`, 'says it started PostgreSQL');
    t.match(stack.output(), `started nats-server on nats://127.0.0.1:${natsPort}`, 'says it started NATS');
    await stopsOnSigint(t, stack, [...discoverServices(offset).map((s) => s.port), pgPort, natsPort]);
  },
);

t.test('refuses the development keys when NODE_ENV=production', async (t) => {
  // Nothing answers at these addresses, so a start that got past the check would fail, not run.
  const stack = startStack(t, {
    NODE_ENV: 'production',
    DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/hotline`,
    NATS_URL: `nats://127.0.0.1:${await freePort()}`,
    PATH: '/nonexistent',
  });
  const exit = await exitWithin(stack, 15_000);
  t.equal(exit?.code, 1, 'exits 1');
  t.match(stack.output(), /development API keys.*refused when NODE_ENV=production/, 'says why');
});

t.test('says how to install nats-server when it needs one and there is none', async (t) => {
  const stack = startStack(t, { NATS_URL: `nats://127.0.0.1:${await freePort()}`, PATH: '/nonexistent' });
  const exit = await exitWithin(stack, 15_000);
  t.equal(exit?.code, 1, 'exits 1');
  t.equal(stack.output().trim(), 'nats-server not found: install it with "apt-get install nats-server"', 'prints one line saying how');
});
