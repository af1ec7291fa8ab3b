import { HotlineError } from '@hotline/contracts';
import { counterColumns, countersSignature, durationRows, factRows, type Fragment, type Sql, type TicketFilter } from './facts';
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
  /** Durations are kept by department and by one of category, district and channel: two or more of those count them live. */
  durationsLive: boolean;
}

export interface CounterRow {
  keys: Record<string, string>;
  counters: Counters;
}

/** Histograms of minutes to accept and to reply, by department ('' = all departments together). */
export type DurationHistograms = Map<string, { accept: Histogram; reply: Histogram }>;

type Dimension = 'category' | 'district' | 'channel';
const dimensions: readonly Dimension[] = ['category', 'district', 'channel'];

/** The category, district and channel filters given (a category by its code as given). */
const dimensionFilters = (filters: StatsFilters) => dimensions.filter((d) => filters[d]).map((d) => ({ dimension: d, code: filters[d] as string }));

/** The one first-level category, district or channel filter, when exactly one is given: the roll-ups by dimension answer it. */
function oneDimension(filters: StatsFilters): { dimension: Dimension; code: string } | undefined {
  const given = dimensionFilters(filters);
  const [one] = given;
  return given.length === 1 && one && !(one.dimension === 'category' && one.code.includes('.')) ? one : undefined;
}

/** A date[] literal: drizzle, sharing the pool, turns postgres.js's array conversion off. */
const dateArray = (days: string[]) => `{${days.join(',')}}`;
/** The span of the days counted live (ascending), for the fact queries. */
const liveRange = (live: readonly string[]) => periodOf(live[0] as string, live.at(-1) as string);

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
    const durationsLive = dimensionFilters(filters).length > 1;
    if (mode === 'live' || subCategory) return { period, summaryDays: [], liveDays: all, summaryAsOf: null, durationsLive: true };
    const kept = await this.sql<{ day: string; computedAt: string }[]>`
      select to_char(day, 'YYYY-MM-DD') as day, to_char(computed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "computedAt"
      from stats_summary_days where day between ${period.from} and ${period.to} and counters = ${countersSignature}`;
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

  /**
   * Fact rows of the plan's days: summary rows where kept, events elsewhere. Grouped by day
   * or department alone, the roll-ups answer: by department without a category, district or
   * channel filter, by department and that dimension with one of them.
   */
  private counterSource(plan: SourcePlan, filters: StatsFilters, byDayOrDepartment: boolean): Fragment {
    const { sql } = this;
    const parts: Fragment[] = [];
    const live = plan.liveDays;
    if (plan.summaryDays.length > 0) {
      const one = oneDimension(filters);
      let table: Fragment;
      if (byDayOrDepartment && dimensionFilters(filters).length === 0) {
        table = sql`select day, department, '' as category, '' as district, '' as channel, ${sql.unsafe(columnList)} from stats_daily_departments where true`;
      } else if (byDayOrDepartment && one) {
        // The dimension filtered on takes the row's code; the outer conditions then match it.
        const columns = dimensions.map((d) => (d === one.dimension ? `code as ${d}` : `'' as ${d}`)).join(', ');
        table = sql`select day, department, ${sql.unsafe(columns)}, ${sql.unsafe(columnList)} from stats_daily_dimensions
          where dimension = ${one.dimension} and code = ${one.code}`;
      } else {
        table = sql`select day, department, category, district, channel, ${sql.unsafe(columnList)} from stats_daily where true`;
      }
      parts.push(sql`${table} ${this.summaryDays(plan)}`);
    }
    if (live.length > 0) {
      const range = liveRange(live);
      parts.push(sql`
        select * from (${factRows(sql, range.start, range.end, this.ticketFilter(filters))}) f
        where day = any(${dateArray(live)}::date[])`);
    }
    if (parts.length === 0) return sql`select null::date as day, '' as department, '' as category, '' as district, '' as channel where false`;
    return parts.reduce((a, b) => sql`${a} union all ${b}`);
  }

  /** The period's days the summary answers for: every one not counted live. */
  private summaryDays(plan: SourcePlan): Fragment {
    const { sql } = this;
    const live = plan.liveDays;
    return sql`and day between ${plan.period.from} and ${plan.period.to}
      ${live.length > 0 ? sql`and not (day = any(${dateArray(live)}::date[]))` : sql``}`;
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
      from (${this.counterSource(plan, filters, groupBy.every((g) => g === 'day' || g === 'department'))}) s
      ${this.dimensionConditions(filters)}
      ${groupBy.length > 0 ? sql.unsafe(`group by ${groupBy.map((_, i) => i + 1).join(', ')}`) : sql``}`;
    return rows.map((r) => ({
      keys: Object.fromEntries(groupBy.map((g) => [g, String(r[g])])),
      counters: addCounters(emptyCounters(), Object.fromEntries(counterNames.map((n) => [n, r[snakeCase(n)]]))),
    }));
  }

  /**
   * Tickets received by category, district and channel, from the roll-ups: without filters,
   * with a department alone, or with one first-level category, district or channel alone;
   * null for other filters (the caller groups the full rows instead).
   */
  async mix(plan: SourcePlan, filters: StatsFilters): Promise<Map<string, Map<string, number>> | null> {
    const given = dimensionFilters(filters);
    const one = oneDimension(filters);
    if (given.length > 1 || (given.length === 1 && (!one || filters.department))) return null;
    const { sql } = this;
    const parts: Fragment[] = [];
    const live = plan.liveDays;
    if (plan.summaryDays.length > 0) {
      const table = one
        ? sql`select mix_dimension as dimension, mix_code as code, received from stats_daily_mix_pairs where dimension = ${one.dimension} and code = ${one.code}`
        : filters.department
          ? sql`select dimension, code, received from stats_daily_dimensions where department = ${filters.department} and received > 0`
          : sql`select dimension, code, received from stats_daily_mix where true`;
      parts.push(sql`${table} ${this.summaryDays(plan)}`);
    }
    if (live.length > 0) {
      const range = liveRange(live);
      parts.push(sql`
        select d.dimension, d.code, f.received from (${factRows(sql, range.start, range.end, this.ticketFilter(filters))}) f
        cross join lateral (values ('category', f.category), ('district', f.district), ('channel', f.channel)) d(dimension, code)
        where f.day = any(${dateArray(live)}::date[]) ${filters.department ? sql`and f.department = ${filters.department}` : sql``}`);
    }
    const mix = new Map<string, Map<string, number>>(dimensions.map((d) => [d, new Map()]));
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
    const live = plan.liveDays;
    const one = oneDimension(filters);
    if (plan.durationsLive) {
      // Two or more of category, district and channel (or a sub-category): counted from the events.
      if (plan.summaryDays.length + live.length > 0) parts.push(durationRows(sql, plan.period.start, plan.period.end, filter));
    } else {
      if (plan.summaryDays.length > 0) {
        // One dimension without departments: the smaller roll-up by that dimension alone answers.
        const table = !one
          ? sql`select day, department, kind, minutes, count from stats_daily_durations where true`
          : perDepartment || filters.department
            ? sql`select day, department, kind, minutes, count from stats_daily_durations_dimensions where dimension = ${one.dimension} and code = ${one.code}`
            : sql`select day, '' as department, kind, minutes, count from stats_daily_durations_mix where dimension = ${one.dimension} and code = ${one.code}`;
        parts.push(sql`${table} ${this.summaryDays(plan)}`);
      }
      if (live.length > 0) {
        const range = liveRange(live);
        parts.push(sql`select * from (${durationRows(sql, range.start, range.end, filter)}) f where day = any(${dateArray(live)}::date[])`);
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
