import { SUPERVISION_REASON_NAMES, type HotspotResult, type OverdueResult } from '@hotline/contracts';
import { appealText, DUPLICATE_THRESHOLD, similarityTo } from '@hotline/domain';
import type { Fragment, Sql } from './facts';
import { previousPeriod, type Period } from './periods';
import type { StatsFilters } from './stats-repository';

/** Tickets looked at per hot spot to find its examples. */
const EXAMPLE_TICKETS = 200;
const EXAMPLE_GROUPS = 3;
const NUMBERS_PER_GROUP = 5;

const HOUR_MS = 3_600_000;

function filterMeta(filters: StatsFilters): Record<string, string> {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** Beijing wall time with its offset, as a clerk reads a deadline: 2026-03-19T10:00:00.000+08:00. */
const iso = (column: string) => `to_char(${column} at time zone 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+08:00"')`;

const periodMeta = (p: Period) => ({ from: p.from, to: p.to, days: p.days });

/** Lists read from the tickets' current state: overdue tickets, 督办 cases, hot spots. */
export class ListsRepository {
  constructor(private readonly sql: Sql) {}

  private ticketConditions(filters: StatsFilters, department = true): Fragment {
    const { sql } = this;
    let where = sql``;
    if (department && filters.department) where = sql`${where} and t.department_code = ${filters.department}`;
    if (filters.category) where = sql`${where} and (t.category_code = ${filters.category} or t.category_code like ${`${filters.category}.%`})`;
    if (filters.district) where = sql`${where} and t.district = ${filters.district}`;
    if (filters.channel) where = sql`${where} and t.channel = ${filters.channel}`;
    return where;
  }

  /**
   * Open tickets whose accept (签收) or reply (办结) deadline fell in the period and has
   * passed by `now` without it; then the 督办 cases opened in the period.
   */
  async overdue(period: Period, filters: StatsFilters, limit: number, now: Date): Promise<OverdueResult> {
    const { sql } = this;
    const until = new Date(Math.min(now.getTime(), period.end.getTime()));
    const where = this.ticketConditions(filters);
    const rows = await sql<
      { id: string; number: string; title: string; status: string; department: string | null; departmentName: string | null; district: string | null; deadline: 'accept' | 'reply'; due: string; total: number }[]
    >`
      select u.id, u.number, u.title, u.status, u.department, u.district, u.deadline, ${sql.unsafe(iso('u.due'))} as due,
        d.name as "departmentName", count(*) over ()::int as total from (
        select t.id, t.number, t.title, t.status, t.department_code as department, t.district, 'accept' as deadline, t.accept_deadline as due
        from tickets t
        where t.status = 'dispatched' and t.accept_deadline >= ${period.start.toISOString()}::timestamptz and t.accept_deadline < ${until.toISOString()}::timestamptz ${where}
        union all
        select t.id, t.number, t.title, t.status, t.department_code, t.district, 'reply', t.reply_deadline
        from tickets t
        where t.status in ('dispatched', 'accepted') and t.reply_deadline >= ${period.start.toISOString()}::timestamptz and t.reply_deadline < ${until.toISOString()}::timestamptz ${where}
      ) u
      left join departments d on d.code = u.department
      order by u.due, u.number, u.deadline
      limit ${limit}`;
    const cases = await sql<
      { id: string; ticketId: string; number: string; title: string; department: string | null; departmentName: string | null; reason: string; createdAt: string; resolvedAt: string | null; total: number; open: number }[]
    >`
      select c.id, c.ticket_id as "ticketId", t.number, t.title, c.department_code as department, d.name as "departmentName",
        c.reason, ${sql.unsafe(iso('c.created_at'))} as "createdAt", ${sql.unsafe(iso('c.resolved_at'))} as "resolvedAt",
        count(*) over ()::int as total, (count(*) filter (where c.resolved_at is null) over ())::int as open
      from supervision_cases c
      join tickets t on t.id = c.ticket_id
      left join departments d on d.code = c.department_code
      where c.created_at >= ${period.start.toISOString()}::timestamptz and c.created_at < ${period.end.toISOString()}::timestamptz
        ${filters.department ? sql`and c.department_code = ${filters.department}` : sql``}
        ${this.ticketConditions(filters, false)}
      order by (c.resolved_at is null) desc, c.created_at, c.id
      limit ${limit}`;
    return {
      period: periodMeta(period),
      filters: filterMeta(filters),
      asOf: now.toISOString(),
      overdue: {
        total: rows[0]?.total ?? 0,
        items: rows.map(({ total: _total, id, ...r }) => ({
          ...r,
          ticketId: id,
          overdueHours: Math.round(((now.getTime() - Date.parse(r.due)) / HOUR_MS) * 10) / 10,
        })),
      },
      supervision: {
        total: cases[0]?.total ?? 0,
        open: cases[0]?.open ?? 0,
        items: cases.map(({ total: _t, open: _o, ...c }) => ({ ...c, reasonName: SUPERVISION_REASON_NAMES[c.reason] ?? c.reason })),
      },
    };
  }

  /**
   * Hot spots: the places (district and street) and topics (categories) whose tickets rose
   * most against the period just before, each with its commonest appeals, near-identical
   * texts grouped as one.
   */
  async hotspots(period: Period, filters: StatsFilters, limit: number, categoryNames: Map<string, string>): Promise<HotspotResult> {
    const { sql } = this;
    const previous = previousPeriod(period);
    const where = this.ticketConditions(filters);
    const counted = sql`count(*) filter (where t.created_at >= ${period.start.toISOString()}::timestamptz)::int as current,
      count(*) filter (where t.created_at < ${period.start.toISOString()}::timestamptz)::int as previous`;
    const inBoth = sql`t.created_at >= ${previous.start.toISOString()}::timestamptz and t.created_at < ${period.end.toISOString()}::timestamptz ${where}`;
    const [places, topics] = await Promise.all([
      sql<{ district: string; street: string; current: number; previous: number }[]>`
        select t.district, coalesce(t.street, '') as street, ${counted}
        from tickets t where ${inBoth} and t.district is not null
        group by 1, 2`,
      sql<{ category: string; current: number; previous: number }[]>`
        select t.category_code as category, ${counted}
        from tickets t where ${inBoth} and t.category_code is not null
        group by 1`,
    ]);
    const rising = <T extends { current: number; previous: number }>(rows: T[], key: (r: T) => string) =>
      rows
        .filter((r) => r.current > r.previous)
        .sort((a, b) => b.current - b.previous - (a.current - a.previous) || b.current - a.current || key(a).localeCompare(key(b)))
        .slice(0, limit);
    const topPlaces = rising(places, (r) => `${r.district} ${r.street}`);
    const topTopics = rising(topics, (r) => r.category);
    const categoryPath = (code: string) =>
      code
        .split('.')
        .map((_, i, parts) => categoryNames.get(parts.slice(0, i + 1).join('.')) ?? parts.slice(0, i + 1).join('.'))
        .join(' / ');
    const inPeriod = sql`t.created_at >= ${period.start.toISOString()}::timestamptz and t.created_at < ${period.end.toISOString()}::timestamptz ${where}`;
    const spot = (kind: 'place' | 'topic', key: string, name: string, r: { current: number; previous: number }, examples: Promise<ExampleTicket[]>) =>
      examples.then((tickets) => ({
        kind,
        key,
        name,
        current: r.current,
        previous: r.previous,
        increase: r.current - r.previous,
        growth: r.previous > 0 ? Math.round((r.current / r.previous - 1) * 10_000) / 10_000 : null,
        examples: groupNearIdentical(tickets),
      }));
    const [placeSpots, topicSpots] = await Promise.all([
      Promise.all(
        topPlaces.map((r) => {
          const name = r.street ? `${r.district} ${r.street}` : r.district;
          const street = r.street ? sql`t.street = ${r.street}` : sql`t.street is null`;
          return spot('place', name, name, r, this.examples(sql`t.district = ${r.district} and ${street} and ${inPeriod}`));
        }),
      ),
      Promise.all(topTopics.map((r) => spot('topic', r.category, categoryPath(r.category), r, this.examples(sql`t.category_code = ${r.category} and ${inPeriod}`)))),
    ]);
    return { period: periodMeta(period), previous: periodMeta(previous), filters: filterMeta(filters), places: placeSpots, topics: topicSpots };
  }

  private examples(where: Fragment): Promise<ExampleTicket[]> {
    return this.sql<ExampleTicket[]>`
      select t.number, t.title, t.content from tickets t where ${where}
      order by t.created_at desc, t.id desc limit ${EXAMPLE_TICKETS}`;
  }
}

interface ExampleTicket {
  number: string;
  title: string;
  content: string;
}

/** Greedy grouping: each ticket joins the first group whose first text it nearly repeats. */
export function groupNearIdentical(tickets: ExampleTicket[]) {
  const groups: { score: (text: string) => number; first: ExampleTicket; numbers: string[] }[] = [];
  for (const t of tickets) {
    const text = appealText(t.title, t.content);
    const group = groups.find((g) => g.score(text) >= DUPLICATE_THRESHOLD);
    if (group) group.numbers.push(t.number);
    else groups.push({ score: similarityTo(text), first: t, numbers: [t.number] });
  }
  return groups
    .sort((a, b) => b.numbers.length - a.numbers.length)
    .slice(0, EXAMPLE_GROUPS)
    .map((g) => ({ count: g.numbers.length, number: g.first.number, title: g.first.title, numbers: g.numbers.slice(0, NUMBERS_PER_GROUP) }));
}
