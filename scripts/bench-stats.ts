/**
 * pnpm bench:stats [--tickets N] [--runs R] [--keep]
 *
 * Seeds N tickets (default 1,000,000; at most 10,000,000) with whole histories spread over
 * 2025 (Beijing time) into a database of its own, hotline_bench_stats on 127.0.0.1:5432,
 * rows generated in SQL (INSERT … SELECT over generate_series), builds the statistics
 * summary, and prints p50 and p95 of each statistics query as the service runs it. Drops
 * the database at the end unless --keep. Figures only: it never fails on time.
 */
import { parseArgs } from 'node:util';
import { categories, departments } from '@hotline/catalogue';
import { createDatabase, migrateDatabase, seedCatalogue } from '@hotline/db';
import { ListsRepository, periodOf, StatsReports, StatsRepository, SummaryRefresher } from '@hotline/stats';
import { pino } from 'pino';
import postgres from 'postgres';
import { percentile } from './lib/bench-stats';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(values.tickets);
const RUNS = Number(values.runs);
if (!Number.isInteger(N) || N < 1000 || N > 10_000_000) throw new Error('--tickets must be a whole number from 1,000 to 10,000,000');
if (!Number.isInteger(RUNS) || RUNS < 3) throw new Error('--runs must be 3 or more');

const NAME = 'hotline_bench_stats';
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const URL_ = `postgres://postgres@127.0.0.1:5432/${NAME}`;
const BATCH = 100_000;

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`drop database if exists ${NAME} with (force)`);
await admin.unsafe(`create database ${NAME}`);
await migrateDatabase(URL_);
const database = createDatabase(URL_, { max: 4 });
await seedCatalogue(database.db);
const sql = database.sql;

// Level-3 categories, each handled by one department, as a dispatch catalogue would.
const leafCodes = categories.filter((c) => c.level === 3).map((c) => c.code).slice(0, 120);
const departmentCodes = departments.map((d) => d.code);
const districts = ['A1区', 'A2区', 'A3区', 'A4区', 'A5区', 'A6区', 'A7县', 'A8县', 'A9市'];
const channels = ['phone', 'phone', 'phone', 'phone', 'phone', 'phone', 'web', 'wechat', 'wechat', 'app', 'sms', 'email'];
const titles = ['小区夜间施工噪音扰民', '垃圾清运不及时', '路灯不亮', '道路积水严重', '物业乱收费', '供暖温度不达标', '公交线路调整建议', '餐馆油烟扰民'];

const lit = (xs: readonly string[]) => `array[${xs.map((x) => `'${x.replaceAll("'", "''")}'`).join(',')}]`;

/*
 * One batch of tickets [lo, hi]: attributes from hashes of the ticket's index, so the data
 * are the same on every run. Histories (Beijing time, year 2025):
 *   4 % answered directly, 1 % transferred, 3 % merged; the rest dispatched (a fifth of those after
 *   the classifier left them to an agent, the others classified by it), 5 % of those
 *   returned (退单) and re-dispatched; accepted 5–155 min after dispatch (deadline 2 h);
 *   replied 1–18 days after (deadline 15 days); called back a day later: 10 % unreachable
 *   (three attempts), 3 % reopened (重办) and handled again; the last 2 % still open.
 */
async function seedBatch(lo: number, hi: number): Promise<void> {
  await sql.begin(async (tx) => {
    await tx.unsafe(`set local synchronous_commit = off`);
    await tx.unsafe(`
      create temp table bench_batch on commit drop as
      with b as (
        select i,
          md5('t' || i)::uuid as id,
          timestamptz '2025-01-01 00:00:00+08' + (i::float8 / ${N}) * interval '365 days' as t0,
          abs(hashint8(i * 10 + 0)) % 1000 as h0, abs(hashint8(i * 10 + 1)) % 100000 as h1,
          abs(hashint8(i * 10 + 2)) % 1000 as h2, abs(hashint8(i * 10 + 3)) % 1000 as h3,
          abs(hashint8(i * 10 + 4)) % 1000 as h4, abs(hashint8(i * 10 + 5)) % 1000 as h5,
          abs(hashint8(i * 10 + 6)) % 1000 as h6, abs(hashint8(i * 10 + 7)) % 1000 as h7
        from generate_series(${lo}, ${hi}) i
      )
      select b.*,
        (${lit(leafCodes)})[1 + h1 % ${leafCodes.length}] as category,
        (${lit(departmentCodes)})[1 + (h1 % ${leafCodes.length}) % ${departmentCodes.length}] as department,
        (${lit(departmentCodes)})[1 + (h1 % ${leafCodes.length} + 7) % ${departmentCodes.length}] as wrong_department,
        (${lit(districts)})[1 + h2 % ${districts.length}] as district,
        '街道' || (h3 % 25) as street,
        (${lit(channels)})[1 + h4 % ${channels.length}] as channel,
        (${lit(titles)})[1 + h5 % ${titles.length}] as title,
        case when h0 < 40 then 'answered' when h0 < 50 then 'transferred' when h0 < 80 then 'merged' else 'dispatched' end as path,
        i > ${Math.floor(N * 0.98)} as still_open,
        h6 < 50 as returned,
        h0 >= 820 as triaged,
        h7 < 100 as unreachable,
        h7 >= 100 and h7 < 130 as reopened,
        t0 + interval '2 min' as d1,
        t0 + interval '2 min' + case when h6 < 50 then interval '40 min' else interval '0' end as d,
        (5 + h2 % 151) * interval '1 min' as accept_after,
        (1 + h3 % 18) * interval '1 day' + (h4 % 8) * interval '1 hour' as reply_after,
        case when h5 < 500 then 'very_satisfied' when h5 < 800 then 'satisfied' when h5 < 900 then 'basically_satisfied'
             when h5 < 960 then 'dissatisfied' else 'very_dissatisfied' end as satisfaction,
        case when h4 < 750 then 'resolved' when h4 < 900 then 'partly' else 'unresolved' end as resolved
      from b`);
    await tx.unsafe(`
      insert into tickets (id, number, channel, type, urgency, title, content, district, street, category_code, department_code,
        dispatched_at, accepted_at, accept_deadline, reply_deadline, merged_into, status, version, created_by, created_at, updated_at)
      select id, to_char(t0 at time zone 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(i::text, 8, '0'), channel, 'complaint', 'normal',
        title, title || '，位于' || district || street || '，请相关部门尽快处理。', district, street, category,
        case when path = 'dispatched' then department end,
        case when path = 'dispatched' then d end,
        case when path = 'dispatched' then d + accept_after end,
        case when path = 'dispatched' then d + interval '2 hours' end,
        case when path = 'dispatched' then d + interval '15 days' end,
        case when path = 'merged' then md5('t' || (i - 1))::uuid end,
        case when path <> 'dispatched' then path when still_open then 'accepted' else 'closed' end,
        10, 'bench', t0, t0
      from bench_batch`);
    await tx.unsafe(`
      insert into ticket_events (id, ticket_id, seq, type, occurred_at, actor_role, actor_id, data)
      select gen_random_uuid(), x.id, v.seq, v.type, v.at, 'system', 'bench', v.data
      from bench_batch x
      cross join lateral (
        select x.d + x.accept_after as acc, x.d + x.reply_after as rep, x.d + x.reply_after + interval '1 day' as cb
      ) k
      cross join lateral (values
        (1, 'received', x.t0, jsonb_build_object('ticket', jsonb_build_object('number', x.i, 'title', x.title)), true),
        (2, 'answered', x.t0 + interval '5 min', jsonb_build_object('answer', '已答复'), x.path = 'answered'),
        (2, 'transferred', x.t0 + interval '1 min', jsonb_build_object('service', '110', 'note', null), x.path = 'transferred'),
        (2, 'merged', x.t0 + interval '3 min', jsonb_build_object('into', md5('t' || (x.i - 1))::uuid), x.path = 'merged'),
        (3, 'classified', x.t0 + interval '1 min', jsonb_build_object('categoryCode', x.category, 'department', x.department, 'modelVersion', 'bench'),
           x.path = 'dispatched' and not x.triaged),
        (3, 'triaged', x.t0 + interval '1 min', jsonb_build_object('reason', 'below the threshold', 'suggestion', null, 'modelVersion', 'bench', 'department', x.department, 'cause', 'unsure'),
           x.path = 'dispatched' and x.triaged),
        (4, 'dispatched', x.d1, jsonb_build_object('department', x.wrong_department, 'coDepartments', '[]'::jsonb,
           'acceptDeadline', x.d1 + interval '2 hours', 'replyDeadline', x.d1 + interval '15 days'), x.path = 'dispatched' and x.returned),
        (5, 'returned', x.d1 + interval '30 min', jsonb_build_object('department', x.wrong_department, 'reason', '不属于本单位职责'), x.path = 'dispatched' and x.returned),
        (6, 'dispatched', x.d, jsonb_build_object('department', x.department, 'coDepartments', '[]'::jsonb,
           'acceptDeadline', x.d + interval '2 hours', 'replyDeadline', x.d + interval '15 days'), x.path = 'dispatched'),
        (7, 'overdue', x.d + interval '2 hours', jsonb_build_object('deadline', 'accept', 'due', x.d + interval '2 hours'),
           x.path = 'dispatched' and x.accept_after > interval '2 hours'),
        (8, 'accepted', k.acc, jsonb_build_object('department', x.department, 'acceptDeadline', x.d + interval '2 hours'), x.path = 'dispatched'),
        (9, 'replied', k.rep, jsonb_build_object('department', x.department, 'result', 'resolved', 'reply', '已处理',
           'replyDeadline', x.d + interval '15 days'), x.path = 'dispatched' and not x.still_open),
        (10, 'callback_due', k.rep, jsonb_build_object('callbackId', md5('c' || x.i)::uuid, 'department', x.department, 'due', k.cb, 'surveyExpiresAt', k.cb + interval '5 days'), x.path = 'dispatched' and not x.still_open),
        (11, 'callback_recorded', k.cb, jsonb_build_object('callbackId', md5('c' || x.i)::uuid, 'department', x.department, 'via', 'phone', 'reached', false),
           x.path = 'dispatched' and not x.still_open and x.unreachable),
        (12, 'callback_recorded', k.cb + interval '1 day', jsonb_build_object('callbackId', md5('c' || x.i)::uuid, 'department', x.department, 'via', 'phone', 'reached', false),
           x.path = 'dispatched' and not x.still_open and x.unreachable),
        (13, 'callback_recorded', k.cb + interval '2 days', jsonb_build_object('callbackId', md5('c' || x.i)::uuid, 'department', x.department, 'via', 'phone', 'reached', false),
           x.path = 'dispatched' and not x.still_open and x.unreachable),
        (14, 'closed', k.cb + interval '2 days', jsonb_build_object('reason', 'unreachable', 'department', x.department),
           x.path = 'dispatched' and not x.still_open and x.unreachable),
        (15, 'callback_recorded', k.cb, jsonb_build_object('callbackId', md5('c' || x.i)::uuid, 'department', x.department, 'via', 'phone', 'reached', true,
           'resolved', case when x.reopened then 'unresolved' else x.resolved end,
           'satisfaction', case when x.reopened then 'dissatisfied' else x.satisfaction end, 'reopenRequested', x.reopened),
           x.path = 'dispatched' and not x.still_open and not x.unreachable),
        (16, 'closed', k.cb, jsonb_build_object('reason', 'rated', 'department', x.department),
           x.path = 'dispatched' and not x.still_open and not x.unreachable and not x.reopened),
        (17, 'reopened', k.cb, jsonb_build_object('department', x.department, 'cycle', 2, 'supervision', false),
           x.path = 'dispatched' and not x.still_open and x.reopened),
        (18, 'dispatched', k.cb + interval '1 hour', jsonb_build_object('department', x.department, 'coDepartments', '[]'::jsonb,
           'acceptDeadline', k.cb + interval '3 hours', 'replyDeadline', k.cb + interval '15 days'), x.path = 'dispatched' and not x.still_open and x.reopened),
        (19, 'accepted', k.cb + interval '90 min', jsonb_build_object('department', x.department, 'acceptDeadline', k.cb + interval '3 hours'),
           x.path = 'dispatched' and not x.still_open and x.reopened),
        (20, 'replied', k.cb + interval '4 days', jsonb_build_object('department', x.department, 'result', 'resolved', 'reply', '已重新处理',
           'replyDeadline', k.cb + interval '15 days'), x.path = 'dispatched' and not x.still_open and x.reopened),
        (21, 'callback_recorded', k.cb + interval '5 days', jsonb_build_object('callbackId', md5('c' || x.i)::uuid, 'department', x.department, 'via', 'phone', 'reached', true,
           'resolved', 'resolved', 'satisfaction', 'satisfied', 'reopenRequested', false), x.path = 'dispatched' and not x.still_open and x.reopened),
        (22, 'closed', k.cb + interval '5 days', jsonb_build_object('reason', 'rated', 'department', x.department),
           x.path = 'dispatched' and not x.still_open and x.reopened)
      ) v(seq, type, at, data, included)
      where v.included`);
  });
}

console.log(`bench:stats — ${N.toLocaleString('en')} tickets over 2025 into ${NAME}`);
let started = performance.now();
// Bulk load: secondary indexes and the foreign keys go, and come back once the rows are in.
const indexes = await sql<{ name: string; definition: string }[]>`
  select indexname as name, indexdef as definition from pg_indexes
  where tablename in ('tickets', 'ticket_events') and indexname not like '%_pkey'`;
const foreignKeys = await sql<{ table: string; name: string; definition: string }[]>`
  select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as definition
  from pg_constraint where contype = 'f' and conrelid::regclass::text in ('tickets', 'ticket_events')`;
for (const fk of foreignKeys) await sql.unsafe(`alter table ${fk.table} drop constraint ${fk.name}`);
for (const index of indexes) await sql.unsafe(`drop index ${index.name}`);
for (let lo = 1; lo <= N; lo += BATCH) {
  await seedBatch(lo, Math.min(N, lo + BATCH - 1));
  process.stdout.write(`\r  seeded ${Math.min(N, lo + BATCH - 1).toLocaleString('en')} tickets`);
}
console.log(` in ${seconds(started)}`);
started = performance.now();
await sql.unsafe(`set maintenance_work_mem = '512MB'`);
for (const index of indexes) await sql.unsafe(index.definition);
for (const fk of foreignKeys) await sql.unsafe(`alter table ${fk.table} add constraint ${fk.name} ${fk.definition}`);
console.log(`  indexes and foreign keys rebuilt in ${seconds(started)}`);
const [{ events }] = (await sql`select count(*)::int as events from ticket_events`) as unknown as [{ events: number }];
console.log(`  ${events.toLocaleString('en')} events`);
started = performance.now();
await sql`vacuum analyze tickets`;
await sql`vacuum analyze ticket_events`;
console.log(`  vacuum analyze: ${seconds(started)}`);

started = performance.now();
const refresher = new SummaryRefresher(sql, pino({ level: 'silent' }));
await refresher.refresh('2025-01-01', '2025-12-31');
await sql`vacuum analyze stats_daily`;
await sql`vacuum analyze stats_daily_durations`;
for (const table of ['stats_daily_departments', 'stats_daily_mix', 'stats_daily_durations_mix', 'stats_daily_dimensions', 'stats_daily_durations_dimensions', 'stats_daily_mix_pairs']) {
  await sql.unsafe(`vacuum analyze ${table}`);
}
const [{ rows, durations }] = (await sql`
  select (select count(*) from stats_daily)::int as rows, (select count(*) from stats_daily_durations)::int as durations`) as unknown as [
  { rows: number; durations: number },
];
console.log(`  summary of 365 days: ${rows.toLocaleString('en')} + ${durations.toLocaleString('en')} rows in ${seconds(started)}`);

const settings = { satisfactionPoints: [100, 100, 60, 0, 0] as const, compositeWeights: [30, 35, 35] as const };
const repo = new StatsRepository(sql);
const reports = new StatsReports(repo, settings);
const lists = new ListsRepository(sql);
const june = periodOf('2025-06-01', '2025-06-30');
const year = periodOf('2025-01-01', '2025-12-31');
const december = periodOf('2025-12-01', '2025-12-31');
const now = new Date('2026-01-05T10:00:00+08:00');
const names = await repo.categoryNames();

const queries: { name: string; runs?: number; run: () => Promise<unknown> }[] = [
  { name: 'overview, month', run: () => reports.overview({ period: june, filters: {}, source: 'auto' }) },
  { name: 'overview, month, one department', run: () => reports.overview({ period: june, filters: { department: 'housing' }, source: 'auto' }) },
  { name: 'overview, month, one category (level 1)', run: () => reports.overview({ period: june, filters: { category: '01' }, source: 'auto' }) },
  { name: 'overview, month, one district', run: () => reports.overview({ period: june, filters: { district: 'A1区' }, source: 'auto' }) },
  { name: 'overview, month, one channel', run: () => reports.overview({ period: june, filters: { channel: 'web' }, source: 'auto' }) },
  { name: 'scorecards, month', run: () => reports.departments({ period: june, filters: {}, source: 'auto' }) },
  { name: 'scorecards, month, one channel', run: () => reports.departments({ period: june, filters: { channel: 'web' }, source: 'auto' }) },
  { name: 'scorecards, month, one category (level 1)', run: () => reports.departments({ period: june, filters: { category: '01' }, source: 'auto' }) },
  { name: 'scorecards, month, one district', run: () => reports.departments({ period: june, filters: { district: 'A1区' }, source: 'auto' }) },
  { name: 'trend, month by day', run: () => reports.trend({ period: june, filters: {}, source: 'auto' }, 'day') },
  { name: 'overview, year', run: () => reports.overview({ period: year, filters: {}, source: 'auto' }) },
  { name: 'scorecards, year', run: () => reports.departments({ period: year, filters: {}, source: 'auto' }) },
  { name: 'trend, year by month', run: () => reports.trend({ period: year, filters: {}, source: 'auto' }, 'month') },
  { name: 'overdue and 督办, month', run: () => lists.overdue(december, {}, 200, now) },
  { name: 'hot spots, month', run: () => lists.hotspots(june, {}, 10, names) },
  { name: 'overview, month, recounted live', runs: 3, run: () => reports.overview({ period: june, filters: {}, source: 'live' }) },
  { name: 'scorecards, month, recounted live', runs: 3, run: () => reports.departments({ period: june, filters: {}, source: 'live' }) },
];

console.log(`\n  query (${RUNS} runs after 2 warm-ups; live recounts 3)        p50 ms    p95 ms`);
for (const q of queries) {
  const runs = q.runs ?? RUNS;
  for (let i = 0; i < (q.runs ? 1 : 2); i += 1) await q.run();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = performance.now();
    await q.run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`  ${q.name.padEnd(58)}${percentile(times, 50).toFixed(1).padStart(8)}${percentile(times, 95).toFixed(1).padStart(10)}`);
}

const live = await reports.overview({ period: june, filters: {}, source: 'live' });
const summary = await reports.overview({ period: june, filters: {}, source: 'summary' });
const same = JSON.stringify({ ...live, source: null }) === JSON.stringify({ ...summary, source: null });
console.log(`\n  June overview, live == summary: ${same ? 'yes' : 'NO'}`);
const channel = { period: june, filters: { channel: 'web' } };
const liveCards = await reports.departments({ ...channel, source: 'live' });
const summaryCards = await reports.departments({ ...channel, source: 'summary' });
const sameCards = JSON.stringify({ ...liveCards, source: null }) === JSON.stringify({ ...summaryCards, source: null });
console.log(`  June scorecards by web, live == summary: ${sameCards ? 'yes' : 'NO'}`);
console.log(`  June: received ${summary.volumes.received}, 签收及时率 ${summary.figures.acceptOnTime.rate}, 满意率 ${summary.figures.satisfaction.rate}, 自动分派率 ${summary.figures.automaticRouting.rate}`);

await database.close();
if (values.keep) console.log(`  kept ${NAME}`);
else await admin.unsafe(`drop database if exists ${NAME} with (force)`);
await admin.end();
