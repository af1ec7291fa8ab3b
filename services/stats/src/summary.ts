import { counterColumns, countersSignature, durationRows, factRows, type Sql } from './facts';
import { addDays, beijingToday, daysOf, periodOf } from './periods';

/** What the summary needs of a logger (pino's or Fastify's). */
export interface Log {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}


/** Catch-up works in runs of at most this many days: one transaction each, short enough not to hold locks long. */
const CHUNK_DAYS = 7;

/**
 * Keeps the summary tables: recomputes whole days from the events (the same fact rows the
 * live figures use), replacing what was there, so a recount changes nothing.
 */
/** After midnight, how long a day's late transactions may still commit before its summary is final. */
export const SETTLE_MINUTES = 5;

export class SummaryRefresher {
  constructor(
    private readonly sql: Sql,
    private readonly logger: Log,
  ) {}

  /** Recomputes the days from `from` to `to` (Beijing dates), in runs of a week. */
  async refresh(from: string, to: string): Promise<number> {
    const days = daysOf(from, to);
    for (let i = 0; i < days.length; i += CHUNK_DAYS) {
      const run = days.slice(i, i + CHUNK_DAYS);
      await this.refreshRun(run[0] as string, run.at(-1) as string);
    }
    return days.length;
  }

  private async refreshRun(from: string, to: string): Promise<void> {
    const { start, end } = periodOf(from, to);
    await this.sql.begin(async (tx) => {
      const sql = tx as unknown as Sql;
      // Replicas refreshing at once would each delete the other's rows; one at a time.
      await sql`select pg_advisory_xact_lock(hashtext('hotline-stats-summary'))`;
      await sql`delete from stats_daily where day between ${from} and ${to}`;
      await sql`delete from stats_daily_durations where day between ${from} and ${to}`;
      await sql`insert into stats_daily (day, department, category, district, channel, ${sql.unsafe(counterColumns.join(', '))})
        select * from (${factRows(sql, start, end)}) f`;
      await sql`delete from stats_daily_departments where day between ${from} and ${to}`;
      await sql`delete from stats_daily_mix where day between ${from} and ${to}`;
      await sql`insert into stats_daily_departments (day, department, ${sql.unsafe(counterColumns.join(', '))})
        select day, department, ${sql.unsafe(counterColumns.map((c) => `sum(${c})::int`).join(', '))}
        from stats_daily where day between ${from} and ${to} group by 1, 2`;
      await sql`insert into stats_daily_mix (day, dimension, code, received)
        select s.day, d.dimension, d.code, sum(s.received)::int
        from stats_daily s cross join lateral (values ('category', s.category), ('district', s.district), ('channel', s.channel)) d(dimension, code)
        where s.day between ${from} and ${to} and s.received > 0 group by 1, 2, 3`;
      // By one dimension (category, district or channel) and department: a period filtered by one of them sums these.
      await sql`delete from stats_daily_dimensions where day between ${from} and ${to}`;
      await sql`insert into stats_daily_dimensions (day, dimension, code, department, ${sql.unsafe(counterColumns.join(', '))})
        select s.day, d.dimension, d.code, s.department, ${sql.unsafe(counterColumns.map((c) => `sum(s.${c})::int`).join(', '))}
        from stats_daily s cross join lateral (values ('category', s.category), ('district', s.district), ('channel', s.channel)) d(dimension, code)
        where s.day between ${from} and ${to} group by 1, 2, 3, 4`;
      await sql`delete from stats_daily_mix_pairs where day between ${from} and ${to}`;
      await sql`insert into stats_daily_mix_pairs (day, dimension, code, mix_dimension, mix_code, received)
        select s.day, f.dimension, f.code, m.dimension, m.code, sum(s.received)::int
        from stats_daily s
        cross join lateral (values ('category', s.category), ('district', s.district), ('channel', s.channel)) f(dimension, code)
        cross join lateral (values ('category', s.category), ('district', s.district), ('channel', s.channel)) m(dimension, code)
        where s.day between ${from} and ${to} and s.received > 0 group by 1, 2, 3, 4, 5`;
      await sql`create temp table stats_durations_run on commit drop as
        select * from (${durationRows(sql, start, end, {}, true)}) d`;
      await sql`insert into stats_daily_durations (day, department, kind, minutes, count)
        select day, department, kind, minutes, sum(count)::int from stats_durations_run group by 1, 2, 3, 4`;
      await sql`delete from stats_daily_durations_mix where day between ${from} and ${to}`;
      await sql`insert into stats_daily_durations_mix (day, dimension, code, kind, minutes, count)
        select r.day, d.dimension, d.code, r.kind, r.minutes, sum(r.count)::int
        from stats_durations_run r cross join lateral (values ('category', r.category), ('district', r.district), ('channel', r.channel)) d(dimension, code)
        group by 1, 2, 3, 4, 5`;
      await sql`delete from stats_daily_durations_dimensions where day between ${from} and ${to}`;
      await sql`insert into stats_daily_durations_dimensions (day, dimension, code, department, kind, minutes, count)
        select r.day, d.dimension, d.code, r.department, r.kind, r.minutes, sum(r.count)::int
        from stats_durations_run r cross join lateral (values ('category', r.category), ('district', r.district), ('channel', r.channel)) d(dimension, code)
        group by 1, 2, 3, 4, 5, 6`;
      // Deleted and inserted, never updated: an update is a release before this one recounting the
      // day without these counters, and a trigger (migration 0011) unmarks the day for it.
      await sql`delete from stats_summary_days where day between ${from} and ${to}`;
      await sql`insert into stats_summary_days (day, computed_at, counters)
        select d::date, now(), ${countersSignature} from generate_series(${from}::date, ${to}::date, interval '1 day') d`;
    });
  }

  /**
   * Days from the first ticket to `today` whose summary is missing, was computed before the
   * day was over (plus SETTLE_MINUTES for transactions in flight at midnight) or with other
   * counters: a day computed at 17:59 and never again, because the service was down that
   * evening, is recounted, and so is every day after a release that counts something new
   * (even when a replica of the release before wrote it during the rollout).
   */
  async unsettledDays(today: string): Promise<string[]> {
    const [first] = await this.sql<{ day: string | null }[]>`
      select to_char(min(created_at) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day from tickets`;
    if (!first?.day) return [];
    const settled = await this.sql<{ day: string }[]>`
      select to_char(day, 'YYYY-MM-DD') as day from stats_summary_days
      where day between ${first.day} and ${today} and counters = ${countersSignature}
        and computed_at >= ((day + 1)::timestamp at time zone 'Asia/Shanghai') + make_interval(mins => ${SETTLE_MINUTES})`;
    const have = new Set(settled.map((k) => k.day));
    return daysOf(first.day, today).filter((d) => !have.has(d));
  }

  /** Computes every unsettled day and the `recentDays` up to today, run by run of consecutive days; returns how many. */
  async catchUp(today: string, recentDays = 0): Promise<number> {
    const recent = recentDays > 0 ? daysOf(addDays(today, 1 - recentDays), today) : [];
    const days = [...new Set([...(await this.unsettledDays(today)), ...recent])].sort();
    let i = 0;
    while (i < days.length) {
      let j = i;
      while (j + 1 < days.length && days[j + 1] === addDays(days[j] as string, 1)) j += 1;
      await this.refresh(days[i] as string, days[j] as string);
      i = j + 1;
    }
    return days.length;
  }
}

/**
 * Recomputes the most recent days (today and yesterday by default) on a timer, and every day
 * whose summary was last computed before the day was over (days missed while the service
 * was down). A ticket re-categorised long after is recounted with POST /v1/stats/summary.
 */
export class SummaryTimer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly refresher: SummaryRefresher,
    private readonly options: { intervalMs: number; recentDays: number; now: () => Date; logger: Log },
  ) {}

  start(): void {
    this.stopped = false;
    this.running = this.tick().finally(() => this.schedule());
  }

  private schedule(): void {
    if (this.stopped || this.options.intervalMs <= 0) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Recomputes the recent and the unsettled days once. */
  async tick(): Promise<void> {
    try {
      const days = await this.refresher.catchUp(beijingToday(this.options.now()), this.options.recentDays);
      if (days > this.options.recentDays) this.options.logger.info({ days }, 'statistics summary caught up');
    } catch (err) {
      this.options.logger.error({ err }, 'statistics summary refresh failed');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
