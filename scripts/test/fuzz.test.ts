/**
 * Hostile input at every route of every service, generated with fast-check: random and
 * malicious path ids, query strings, headers, bodies and content types. Whatever comes in,
 * a service answers with a status below 500 and the one JSON error shape, a refused request
 * stores nothing, and a department key never sees another department's ticket.
 */
import { buildCallbackApp, loadCallbackConfig } from '@hotline/callback';
import { buildClassifierApp, loadClassifierConfig } from '@hotline/classifier-service';
import { buildDepartmentsApp, loadDepartmentsConfig } from '@hotline/departments';
import { buildDispatcherApp, loadDispatcherConfig } from '@hotline/dispatcher';
import { buildIntakeApp, loadIntakeConfig } from '@hotline/intake';
import { buildStatsApp, loadStatsConfig } from '@hotline/stats';
import { Cleanup, createTestBus, createTestDatabase, NATS_URL, seedTicket, testLogger, uniqueName } from '@hotline/testkit';
import type { Service } from '@hotline/server';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import t from 'tap';

const RUNS_PER_SERVICE = Number(process.env.FUZZ_RUNS ?? 1000);
// A failure prints fast-check's seed; FUZZ_SEED=<seed> runs the same requests again.
const FUZZ = { numRuns: RUNS_PER_SERVICE, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) };

const departmentsSeen = ['housing', 'education', 'a3'];

const hostileStrings = [
  "' OR 1=1 --",
  "1; DROP TABLE tickets; --",
  "'); DELETE FROM ticket_events; --",
  '%',
  '%25',
  '%E0%A4%A',
  '\u0000',
  '../../etc/passwd',
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '99999999999999999999999999999999',
  '-1',
  '1e308',
  'NaN',
  '０１２３',
  '😀'.repeat(50),
  'x'.repeat(20_000),
  '\uD800',
  '__proto__',
  'constructor',
  // Dates at and past the ends of what a date string can say.
  '9999-12-31',
  '0000-01-01',
  '2026-02-30',
  '+275760-09-13',
];

const hostileString = fc.oneof(fc.constantFrom(...hostileStrings), fc.string(), fc.string({ unit: 'grapheme', maxLength: 200 }));
const hostileNumber = fc.oneof(
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, -0, 2 ** 53, -1, 0.5),
  fc.integer(),
  fc.double({ noNaN: true }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
);

/** Field names the routes read, so generated bodies reach the validation of real fields. */
const knownFields = [
  'channel', 'type', 'urgency', 'caller', 'title', 'content', 'location', 'note', 'service', 'answer', 'reply', 'into',
  'category', 'text', 'reason', 'until', 'approve', 'result', 'department', 'coDepartments', 'rules', 'phone', 'name',
  'district', 'street', 'address', 'latitude', 'longitude', 'anonymous', 'reached', 'resolved', 'satisfaction', 'comment', 'reopen',
];
const deepJson = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

const body = fc.oneof(
  fc.record({}, { requiredKeys: [] }).chain(() => fc.dictionary(fc.constantFrom(...knownFields), hostileValue, { maxKeys: 8 })),
  fc.jsonValue(),
  fc.constantFrom(deepJson(5_000), '{"a":' .repeat(2_000) + '1' + '}'.repeat(2_000), '', '{', 'null', '[]', '"x"'),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, ...bytes, 0xff, 0xfe, 0x22, 0x7d])),
  fc.constant(Buffer.alloc(2 * 1024 * 1024, 0x61)),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  undefined,
);

// Mostly keys that pass authentication, so requests reach validation and the handlers.
const authorization = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.constantFrom(undefined, '', 'Bearer', 'Bearer ', 'Bearer wrong', 'Basic ZGV2LWFnZW50Og==', `Bearer ${'k'.repeat(5_000)}`),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom('Bearer dev-agent', 'Bearer dev-manager', 'Bearer dev-admin', ...departmentsSeen.map((d) => `Bearer dev-dept-${d}`)),
  },
);

const queryKeys = ['status', 'type', 'channel', 'department', 'district', 'callerPhone', 'createdFrom', 'createdTo', 'q', 'cursor', 'limit', 'from', 'to', 'overdue', 'category', 'granularity', 'source', 'weights'];
const query = fc.dictionary(fc.oneof(fc.constantFrom(...queryKeys), hostileString), fc.oneof(hostileString, hostileNumber.map(String)), { maxKeys: 5 });

interface Route {
  method: string;
  path: string;
}

/** Every documented route of an app, from its own OpenAPI document. */
function routesOf(app: Service): Route[] {
  const spec = (app as unknown as { swagger(): { paths: Record<string, Record<string, unknown>> } }).swagger();
  return Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path })));
}

function departmentOfKey(auth: string | undefined): string | null {
  const match = auth?.match(/^Bearer dev-dept-(.+)$/);
  return match ? (match[1] as string) : null;
}

/** Tickets in a response body: a ticket, a page of them, or none. */
function ticketsIn(json: unknown): { department: string | null; coDepartments?: string[] }[] {
  if (!json || typeof json !== 'object') return [];
  const o = json as Record<string, unknown>;
  if (Array.isArray(o.items)) return o.items.flatMap((i) => ticketsIn(i));
  if (typeof o.id === 'string' && 'department' in o) return [o as { department: string | null; coDepartments?: string[] }];
  return [];
}

t.test('hostile requests at every route of every service', async (t) => {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  const prefix = uniqueName('fuzz');
  const bus = await createTestBus(cleanup, prefix);
  const env = {
    DATABASE_URL: database.url,
    NATS_URL,
    NATS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_MAX: '4',
    RATE_LIMIT_PER_MINUTE: '0',
    // Deep bodies take a while to refuse; back-pressure is tested on its own in packages/server.
    MAX_EVENT_LOOP_DELAY_MS: '60000',
  };
  // The classifier first: loading its model blocks this process for a second, and a sample
  // without a tick reads as an infinite delay, over any limit, to services already sampling.
  const classifier = await buildClassifierApp(loadClassifierConfig(env), testLogger);
  const apps: Record<string, Service> = {
    intake: await buildIntakeApp(loadIntakeConfig(env), testLogger),
    classifier,
    dispatcher: await buildDispatcherApp(loadDispatcherConfig({ ...env, WATCH_INTERVAL_MS: '3600000' }), testLogger),
    departments: await buildDepartmentsApp(loadDepartmentsConfig(env), testLogger),
    callback: await buildCallbackApp(loadCallbackConfig(env), testLogger),
    stats: await buildStatsApp(loadStatsConfig({ ...env, STATS_REFRESH_INTERVAL_MS: '0' }), testLogger),
  };
  for (const app of Object.values(apps)) {
    cleanup.teardown(() => app.close());
    await app.ready();
  }

  const ids: string[] = [];
  for (const department of departmentsSeen) {
    for (const status of ['dispatched', 'accepted', 'replied', 'callback_pending'] as const) {
      ids.push((await seedTicket(database, bus.names, { status, department })).id);
    }
  }
  ids.push((await seedTicket(database, bus.names, { status: 'triage' })).id);
  ids.push((await seedTicket(database, bus.names, { status: 'received' })).id);
  // A lone surrogate cannot be percent-encoded; it then goes into the path as it is.
  const encoded = (s: string) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const pathId = fc.oneof(fc.constantFrom(...ids), fc.uuid(), hostileString.map(encoded), fc.constantFrom(...hostileStrings));

  const { sql } = database;
  const storedCounts = async () => {
    const [row] = await sql`select
      (select count(*) from catalogue_versions)::int as catalogue,
      (select count(*) from classification_corrections)::int as corrections,
      (select count(*) from idempotency_keys)::int as keys,
      (select count(*) from extension_requests)::int as extensions,
      (select count(*) from callbacks where completed_at is not null or attempts > 0)::int as callbacks_answered,
      (select count(*) from tickets)::int as tickets`;
    return row;
  };

  let requests = 0;
  const statuses = new Map<number, number>();
  for (const [service, app] of Object.entries(apps)) {
    const routes = routesOf(app).filter((r) => r.path.startsWith('/v1/'));
    t.ok(routes.length > 0, `${service} documents its routes`);
    const request = fc.record({
      route: fc.constantFrom(...routes),
      id: pathId,
      query,
      authorization,
      contentType,
      body,
      idempotencyKey: fc.option(hostileString, { nil: undefined }),
    });
    const tally = { answered: 0, serverErrors: 0 };
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        requests++;
        const requestId = `fuzz-${randomUUID()}`;
        const headers: Record<string, string> = { 'x-request-id': requestId };
        if (r.authorization !== undefined) headers.authorization = r.authorization;
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey.replace(/[^\x20-\x7e]/g, '');
        const url = r.route.path.replace(/\{[^}]+\}/g, r.id);
        const hasBody = r.route.method !== 'GET';
        const before = await storedCounts();
        const res = await app.inject({
          method: r.route.method as 'GET',
          url,
          query: r.query,
          headers,
          ...(hasBody ? { payload: typeof r.body === 'string' || Buffer.isBuffer(r.body) ? r.body : JSON.stringify(r.body) } : {}),
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        tally.answered++;
        if (res.statusCode >= 500) tally.serverErrors++;
        if (res.statusCode >= 500) throw new Error(`${service} ${r.route.method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
        if (res.statusCode >= 400) {
          const error = res.json().error;
          if (typeof error?.code !== 'string' || typeof error?.message !== 'string') throw new Error(`not the error shape: ${res.body.slice(0, 200)}`);
          const [{ n }] = (await sql`select count(*)::int as n from ticket_events where request_id = ${requestId}`) as unknown as [{ n: number }];
          const after = await storedCounts();
          if (n !== 0 || JSON.stringify(after) !== JSON.stringify(before)) {
            throw new Error(`${service} ${r.route.method} ${url} refused with ${res.statusCode} but stored something`);
          }
        }
        const own = departmentOfKey(r.authorization);
        if (own && res.statusCode < 300 && res.headers['content-type']?.toString().includes('json')) {
          for (const ticket of ticketsIn(res.json())) {
            if (ticket.department !== own && !(ticket.coDepartments ?? []).includes(own)) {
              throw new Error(`department ${own} saw a ticket of ${ticket.department} via ${r.route.method} ${url}`);
            }
          }
        }
      }),
      FUZZ,
    );
    t.equal(tally.answered, RUNS_PER_SERVICE, `${service}: ${routes.length} routes, every one of ${RUNS_PER_SERVICE} hostile requests answered`);
    t.equal(tally.serverErrors, 0, `${service}: no 5xx`);
  }
  // The citizens' survey links: forged and hostile tokens get a page, never a 5xx, and record nothing.
  const survey = fc.record({ token: fc.oneof(hostileString.map(encoded), fc.string({ minLength: 46, maxLength: 46 }).map(encoded)), contentType, body });
  const surveyTally = { answered: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(survey, fc.boolean(), async (r, post) => {
      requests++;
      const before = await storedCounts();
      const headers: Record<string, string> = r.contentType === undefined ? {} : { 'content-type': r.contentType };
      const payload = typeof r.body === 'string' || Buffer.isBuffer(r.body) ? r.body : JSON.stringify(r.body);
      const res = await apps.callback!.inject({ method: post ? 'POST' : 'GET', url: `/s/${r.token}`, headers, ...(post ? { payload } : {}) });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      surveyTally.answered++;
      if (res.statusCode >= 400 && res.statusCode < 500) surveyTally.refused++;
      if (res.statusCode >= 500 || res.statusCode < 400) throw new Error(`survey /s/${r.token}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      if (JSON.stringify(await storedCounts()) !== JSON.stringify(before)) throw new Error(`survey /s/${r.token} stored something`);
    }),
    FUZZ,
  );
  t.equal(surveyTally.answered, RUNS_PER_SERVICE, `survey links: every one of ${RUNS_PER_SERVICE} hostile requests answered`);
  t.equal(surveyTally.refused, surveyTally.answered, 'survey links: every forged or hostile link refused with a 4xx page, nothing stored');
  const answered = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
  t.comment(`fuzz: ${requests} requests in all, none answered 5xx; answers ${answered.join(' ')}`);
});
