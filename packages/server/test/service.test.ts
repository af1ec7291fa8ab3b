import { loadConfig } from '@hotline/config';
import { HotlineError } from '@hotline/contracts';
import { Cleanup, createTestBus, createTestDatabase, NATS_URL, testLogger, uniqueName } from '@hotline/testkit';
import t from 'tap';
import { z } from 'zod';
import { createService, principalOf } from '../src/index';

// Back-pressure samples the mean event-loop delay once a second. The test lags the loop the way
// an overloaded service does, many long ticks in a row (50 ms of work, a short pause, again, for
// LAG_MS), rather than with one long block: a sample taken after a block but before the delay
// monitor had recorded that block's tick resets the monitor and loses the tick, so one block
// went unnoticed in 6 of 8 runs on a busy machine (measured).
const LAG_MS = 3_000;

/** Keeps the event loop busy in 50 ms slices for `ms`. */
function lagEventLoop(ms: number): void {
  const until = Date.now() + ms;
  const slice = () => {
    const end = Date.now() + 50;
    while (Date.now() < end);
    if (Date.now() < until) setTimeout(slice, 2);
  };
  setTimeout(slice, 0);
}

async function build(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}) {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  const prefix = uniqueName('server');
  await createTestBus(cleanup, prefix);
  const config = loadConfig({}, { DATABASE_URL: database.url, NATS_URL, NATS_PREFIX: prefix, ...env });
  const app = await createService({ name: 'test', title: 'test', config, logger: testLogger });
  app.get('/v1/whoami', { config: { roles: ['agent', 'department'] } }, async (request) => principalOf(request));
  app.post('/v1/echo', { config: { roles: ['agent'] }, schema: { body: z.object({ n: z.number().int() }) } }, async (request) => request.body);
  app.get('/v1/page.js', { config: { servedFromMemory: true } }, async () => 'page');
  app.get('/v1/boom', async () => {
    throw new Error('secret internals');
  });
  app.get('/v1/lag', async () => {
    lagEventLoop(LAG_MS);
    return { lagging: true };
  });
  app.get('/v1/gone', async () => {
    throw new HotlineError('not_found', 'ticket not found');
  });
  cleanup.teardown(() => app.close());
  return app;
}

t.test('health, readiness and the OpenAPI document', async (t) => {
  const app = await build(t);
  t.same((await app.inject('/healthz')).json(), { status: 'ok' });
  t.match((await app.inject('/readyz')).json(), { status: 'ready', postgres: 'ok', nats: 'connected' });
  const docs = await app.inject('/docs/json');
  t.equal(docs.statusCode, 200);
  t.ok(docs.json().paths['/v1/echo'], 'routes are documented');
});

t.test('API keys: roles, department binding, errors in one shape', async (t) => {
  const app = await build(t);
  const who = await app.inject({ url: '/v1/whoami', headers: { authorization: 'Bearer dev-dept-housing' } });
  t.match(who.json(), { role: 'department', departmentCode: 'housing' });
  const forbidden = await app.inject({ url: '/v1/whoami', headers: { authorization: 'Bearer dev-manager' } });
  t.equal(forbidden.statusCode, 403);
  t.equal(forbidden.json().error.code, 'forbidden');
  const bad = await app.inject({ method: 'POST', url: '/v1/echo', headers: { authorization: 'Bearer dev-agent' }, payload: { n: 'x' } });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().error.message, /\bn\b/);
  const boom = await app.inject('/v1/boom');
  t.equal(boom.statusCode, 500);
  t.same(boom.json(), { error: { code: 'internal', message: 'internal error; it has been logged' } }, 'internals stay hidden');
  t.equal((await app.inject('/v1/gone')).json().error.code, 'not_found');
  const unknown = await app.inject('/nowhere');
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error.code, 'not_found');
  t.equal(who.headers['x-request-id'] !== undefined, true, 'every answer carries its request id');
});

t.test('development keys are refused in production', async (t) => {
  const app = await build(t, { NODE_ENV: 'production' });
  const res = await app.inject({ url: '/v1/whoami', headers: { authorization: 'Bearer dev-agent' } });
  t.equal(res.statusCode, 401);
  t.match(res.json().error.message, /development keys/);
});

t.test('a key over its rate gets a 429 with Retry-After; other keys and health checks go on', async (t) => {
  const app = await build(t, { RATE_LIMIT_PER_MINUTE: '5' });
  const agent = { authorization: 'Bearer dev-agent' };
  for (let i = 0; i < 5; i++) t.equal((await app.inject({ url: '/v1/whoami', headers: agent })).statusCode, 200);
  const limited = await app.inject({ url: '/v1/whoami', headers: agent });
  t.equal(limited.statusCode, 429);
  t.equal(limited.json().error.code, 'rate_limited');
  t.match(limited.json().error.message, /API key/);
  t.ok(Number(limited.headers['retry-after']) > 0, 'says when to retry');
  const other = await app.inject({ url: '/v1/whoami', headers: { authorization: 'Bearer dev-dept-housing' } });
  t.equal(other.statusCode, 200, 'another key has its own budget');
  for (let i = 0; i < 10; i++) t.equal((await app.inject('/healthz')).statusCode, 200);
});

t.test('made-up API keys do not each get a fresh budget: past it, the address gets a 429', async (t) => {
  const app = await build(t, { RATE_LIMIT_PER_MINUTE: '5' });
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer made-up-${i}` } });
    t.equal(res.statusCode, 401, `made-up key ${i}`);
  }
  const limited = await app.inject({ url: '/v1/whoami', headers: { authorization: 'Bearer made-up-5' } });
  t.equal(limited.statusCode, 429);
  t.equal(limited.json().error.code, 'rate_limited');
  t.match(limited.json().error.message, /unknown API keys from this address/);
  t.ok(Number(limited.headers['retry-after']) > 0, 'says when to retry');
  t.equal((await app.inject({ url: '/v1/whoami', headers: { authorization: 'Bearer dev-agent' } })).statusCode, 200, 'a real key from the same address still works');
});

t.test('under pressure the service answers 503 with Retry-After instead of falling over', async (t) => {
  const app = await build(t, { MAX_EVENT_LOOP_DELAY_MS: '20' });
  const agent = { authorization: 'Bearer dev-agent' };
  t.equal((await app.inject({ url: '/v1/lag' })).statusCode, 200);
  // The first sample of the lag is answered for the next second.
  let busy = await app.inject({ url: '/v1/whoami', headers: agent });
  for (let i = 0; i < 30 && busy.statusCode === 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    busy = await app.inject({ url: '/v1/whoami', headers: agent });
  }
  t.equal(busy.statusCode, 503);
  t.same(busy.json().error.code, 'unavailable');
  t.ok(Number(busy.headers['retry-after']) > 0, 'says when to retry');
  t.equal((await app.inject('/healthz')).statusCode, 200, 'still alive for the orchestrator');
  t.equal((await app.inject('/v1/page.js')).statusCode, 200, "a page's own files held in memory are still sent");
  let back = busy;
  for (let i = 0; i < 60 && back.statusCode !== 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    back = await app.inject({ url: '/v1/whoami', headers: agent });
  }
  t.equal(back.statusCode, 200, 'serves again once the pressure is gone');
});
