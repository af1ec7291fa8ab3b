import { HotlineError } from '@hotline/contracts';
import { counterColumns, durationRows, factRows, type Fragment, type Sql, type TicketFilter } from './facts';
import { addCounters, addToHistogram, counterNames, emptyCounters, snakeCase, type Counters, type Histogram } from './figures';
import { daysOf, periodOf, type Period } from './periods';

export interface StatsFilters {
  department?: string;
  /** Taxonomy code of any level. */
  category?: string;
  district?: string;
  channel?: string;
}

export type SourceMode = 'auto' | 'summary' | 'live';

/** Which days come from the summary tables and which are counted live from the events. */
export interface SourcePlan {
  period: Period;
  summaryDays: string[];
  liveDays: string[];
  /** When the oldest summary day used was computed. */
  summaryAsOf: Date | null;
  /** Durations are kept by department only: any other filter counts them live. */
  durationsLive: boolean;
}

export interface CounterRow {
  keys: Record<string, string>;
  counters: Counters;
}

/** Histograms of minutes to accept and to reply, by department ('' = all departments together). */
export type DurationHistograms = Map<string, { accept: Histogram; reply: Histogram }>;

/** A date[] literal: drizzle, sharing the pool, turns postgres.js's array conversion off. */
const dateArray = (days: string[]) => `{${days.join(',')}}`;

const sumColumns = counterColumns.map((c) => `coalesce(sum(${c}), 0)::int as ${c}`).join(', ');
const columnList = counterColumns.join(', ');

export class StatsRepository {
  constructor(private readonly sql: Sql) {}

  async departmentNames(): Promise<Map<string, string>> {
    const rows = await this.sql<{ code: string; name: string }[]>`select code, name from departments order by code`;
    return new Map(rows.map((r) => [r.code, r.name]));
  }

  async categoryNames(): Promise<Map<string, string>> {
    const rows = await this.sql<{ code: string; name: string }[]>`select code, name from categories`;
    return new Map(rows.map((r) => [r.code, r.name]));
  }

  async plan(period: Period, filters: StatsFilters, mode: SourceMode): Promise<SourcePlan> {
    const subCategory = filters.category?.includes('.') ?? false;
    if (mode === 'summary' && subCategory) {
      throw new HotlineError('validation_failed', 'invalid querystring.source (summary rows keep first-level categories only)', {
        fields: [{ field: 'querystring.source', message: 'summary rows keep first-level categories only; use auto or live' }],
      });
    }
    const all = daysOf(period.from, period.to);
    const durationsLive = Boolean(filters.category || filters.district || filters.channel);
    if (mode === 'live' || subCategory) return { period, summaryDays: [], liveDays: all, summaryAsOf: null, durationsLive: true };
    const kept = await this.sql<{ day: string; computedAt: string }[]>`
      select to_char(day, 'YYYY-MM-DD') as day, to_char(computed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "computedAt"
      from stats_summary_days where day between ${period.from} and ${period.to}`;
    const keptDays = new Set(kept.map((k) => k.day));
    const summaryAsOf = kept.reduce<Date | null>((min, k) => {
      const at = new Date(k.computedAt);
      return min === null || at < min ? at : min;
    }, null);
    if (mode === 'summary') return { period, summaryDays: all, liveDays: [], summaryAsOf, durationsLive };
    return { period, summaryDays: all.filter((d) => keptDays.has(d)), liveDays: all.filter((d) => !keptDays.has(d)), summaryAsOf, durationsLive };
  }

  private ticketFilter(filters: StatsFilters): TicketFilter {
    return { categoryPrefix: filters.category, district: filters.district, channel: filters.channel };
  }

  /** Whether the roll-ups by department alone can answer: no category, district or channel filter. */
  private rollupsAnswer(filters: StatsFilters): boolean {
    return !filters.category && !filters.district && !filters.channel;
  }

  /** Fact rows of the plan's days: summary rows where kept, events elsewhere. */
  private counterSource(plan: SourcePlan, filters: StatsFilters, byDepartmentOnly: boolean): Fragment {
    const { sql } = this;
    const parts: Fragment[] = [];
    const live = plan.liveDays;
    if (plan.summaryDays.length > 0) {
      const table = byDepartmentOnly
        ? sql`select day, department, '' as category, '' as district, '' as channel, ${sql.unsafe(columnList)} from stats_daily_departments`
        : sql`select day, department, category, district, channel, ${sql.unsafe(columnList)} from stats_daily`;
      parts.push(sql`
        ${table}
        where day between ${plan.period.from} and ${plan.period.to}
        ${live.length > 0 ? sql`and not (day = any(${dateArray(live)}::date[]))` : sql``}`);
    }
    if (live.length > 0) {
      const range = periodOf(live[0] as string, live.at(-1) as string);
      parts.push(sql`
        select * from (${factRows(sql, range.start, range.end, this.ticketFilter(filters))}) f
        where day = any(${dateArray(live)}::date[])`);
    }
    if (parts.length === 0) return sql`select null::date as day, '' as department, '' as category, '' as district, '' as channel where false`;
    return parts.reduce((a, b) => sql`${a} union all ${b}`);
  }

  private dimensionConditions(filters: StatsFilters): Fragment {
    const { sql } = this;
    let where = sql`where true`;
    if (filters.department) where = sql`${where} and s.department = ${filters.department}`;
    if (filters.category) where = sql`${where} and s.category = ${filters.category.split('.')[0] as string}`;
    if (filters.district) where = sql`${where} and s.district = ${filters.district}`;
    if (filters.channel) where = sql`${where} and s.channel = ${filters.channel}`;
    return where;
  }

  /** Counters summed by the given columns of the fact rows (day, department, category, district, channel). */
  async counters(plan: SourcePlan, filters: StatsFilters, groupBy: readonly ('day' | 'department' | 'category' | 'district' | 'channel')[]): Promise<CounterRow[]> {
    const { sql } = this;
    const keys = groupBy.map((g) => (g === 'day' ? `to_char(s.day, 'YYYY-MM-DD') as day` : `s.${g}`)).join(', ');
    if (plan.summaryDays.length + plan.liveDays.length === 0) return [];
    const rows = await sql<Record<string, unknown>[]>`
      select ${sql.unsafe(keys ? `${keys}, ` : '')}${sql.unsafe(sumColumns)}
      from (${this.counterSource(plan, filters, this.rollupsAnswer(filters) && groupBy.every((g) => g === 'day' || g === 'department'))}) s
      ${this.dimensionConditions(filters)}
      ${groupBy.length > 0 ? sql.unsafe(`group by ${groupBy.map((_, i) => i + 1).join(', ')}`) : sql``}`;
    return rows.map((r) => ({
      keys: Object.fromEntries(groupBy.map((g) => [g, String(r[g])])),
      counters: addCounters(emptyCounters(), Object.fromEntries(counterNames.map((n) => [n, r[snakeCase(n)]]))),
    }));
  }

  /**
   * Tickets received by category, district and channel; null when a filter other than the
   * period needs the full summary rows (the caller groups them instead).
   */
  async mix(plan: SourcePlan, filters: StatsFilters): Promise<Map<string, Map<string, number>> | null> {
    if (!this.rollupsAnswer(filters) || filters.department) return null;
    const { sql } = this;
    const parts: Fragment[] = [];
    const live = plan.liveDays;
    if (plan.summaryDays.length > 0) {
      parts.push(sql`
        select dimension, code, received from stats_daily_mix
        where day between ${plan.period.from} and ${plan.period.to}
        ${live.length > 0 ? sql`and not (day = any(${dateArray(live)}::date[]))` : sql``}`);
    }
    if (live.length > 0) {
      const range = periodOf(live[0] as string, live.at(-1) as string);
      parts.push(sql`
        select d.dimension, d.code, f.received from (${factRows(sql, range.start, range.end)}) f
        cross join lateral (values ('category', f.category), ('district', f.district), ('channel', f.channel)) d(dimension, code)
        where f.day = any(${dateArray(live)}::date[])`);
    }
    const mix = new Map<string, Map<string, number>>(['category', 'district', 'channel'].map((d) => [d, new Map()]));
    if (parts.length === 0) return mix;
    const rows = await sql<{ dimension: string; code: string; received: number }[]>`
      select dimension, code, sum(received)::int as received
      from (${parts.reduce((a, b) => sql`${a} union all ${b}`)}) m
      group by 1, 2`;
    for (const r of rows) mix.get(r.dimension)?.set(r.code, r.received);
    return mix;
  }

  /** Minutes to accept and to reply, per department and for all together (key ''). */
  async durations(plan: SourcePlan, filters: StatsFilters, perDepartment = false): Promise<DurationHistograms> {
    const { sql } = this;
    const filter = this.ticketFilter(filters);
    const parts: Fragment[] = [];
    const all = [...plan.summaryDays, ...plan.liveDays].sort();
    const live = plan.liveDays;
    // One first-level category, district or channel and no department: the roll-up by that dimension answers.
    const dimension = (['category', 'district', 'channel'] as const).filter((d) => filters[d] !== undefined);
    const one = !perDepartment && dimension.length === 1 && !filters.department && !filters.category?.includes('.') ? dimension[0] : undefined;
    if (all.length > 0 && plan.durationsLive && one && plan.summaryDays.length > 0) {
      const code = filters[one] as string;
      parts.push(sql`
        select day, '' as department, kind, minutes, count from stats_daily_durations_mix
        where day between ${plan.period.from} and ${plan.period.to} and dimension = ${one} and code = ${code}
        ${live.length > 0 ? sql`and not (day = any(${dateArray(live)}::date[]))` : sql``}`);
      if (live.length > 0) {
        const range = periodOf(live[0] as string, live.at(-1) as string);
        parts.push(sql`select * from (${durationRows(sql, range.start, range.end, filter)}) f where day = any(${dateArray(live)}::date[])`);
      }
    } else if (all.length > 0 && plan.durationsLive) {
      parts.push(durationRows(sql, plan.period.start, plan.period.end, filter));
    } else {
      if (plan.summaryDays.length > 0) {
        parts.push(sql`
          select day, department, kind, minutes, count from stats_daily_durations
          where day between ${plan.period.from} and ${plan.period.to}
          ${live.length > 0 ? sql`and not (day = any(${dateArray(live)}::date[]))` : sql``}`);
      }
      if (live.length > 0) {
        const range = periodOf(live[0] as string, live.at(-1) as string);
        parts.push(sql`select * from (${durationRows(sql, range.start, range.end)}) f where day = any(${dateArray(live)}::date[])`);
      }
    }
    const histograms: DurationHistograms = new Map();
    if (parts.length === 0) return histograms;
    const rows = await sql<{ department: string; kind: 'accept' | 'reply'; minutes: number; count: number }[]>`
      select department, kind, minutes, sum(count)::int as count
      from (${parts.reduce((a, b) => sql`${a} union all ${b}`)}) d
      ${filters.department ? sql`where department = ${filters.department}` : sql``}
      group by 1, 2, 3`;
    const of = (department: string) => {
      let h = histograms.get(department);
      if (!h) histograms.set(department, (h = { accept: new Map(), reply: new Map() }));
      return h;
    };
    for (const r of rows) {
      if (r.department !== '') addToHistogram(of(r.department)[r.kind], r.minutes, r.count);
      addToHistogram(of('')[r.kind], r.minutes, r.count);
    }
    return histograms;
  }
}
