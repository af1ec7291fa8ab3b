import type { DepartmentStatsResult, OverviewResult, Scorecard, TrendResult } from '@hotline/contracts';
import { addCounters, compositeOf, emptyCounters, figuresOf, rateOf, volumesOf, type Counters, type ScoreSettings } from './figures';
import { addDays, daysOf, type Period } from './periods';
import type { SourceMode, SourcePlan, StatsFilters, StatsRepository } from './stats-repository';

export const channelNames: Record<string, string> = {
  phone: '电话',
  web: '网站',
  wechat: '微信',
  app: 'APP',
  sms: '短信',
  email: '邮件',
  other: '其他',
};

export interface ReportRequest {
  period: Period;
  filters: StatsFilters;
  source: SourceMode;
}

function meta(plan: SourcePlan, filters: StatsFilters) {
  return {
    period: { from: plan.period.from, to: plan.period.to, days: plan.period.days },
    filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as Record<string, string>,
    source: { summaryDays: plan.summaryDays.length, liveDays: plan.liveDays.length, summaryAsOf: plan.summaryAsOf?.toISOString() ?? null },
  };
}

function weekStart(day: string): string {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  return addDays(day, -((dow + 6) % 7));
}

/** Overview, scorecards and trend: sums of the fact rows, whichever source they come from. */
export class StatsReports {
  constructor(
    private readonly repo: StatsRepository,
    private readonly settings: ScoreSettings,
  ) {}

  async overview(req: ReportRequest): Promise<OverviewResult> {
    const plan = await this.repo.plan(req.period, req.filters, req.source);
    const [kept, durations, categories] = await Promise.all([
      this.repo.mix(plan, req.filters),
      this.repo.durations(plan, req.filters),
      this.repo.categoryNames(),
    ]);
    // With a kept mix the totals come from the roll-ups; otherwise one pass over the full rows gives both.
    const rows = await this.repo.counters(plan, req.filters, kept ? [] : ['category', 'district', 'channel']);
    const total = emptyCounters();
    const mix = { category: kept?.get('category') ?? new Map<string, number>(), district: kept?.get('district') ?? new Map<string, number>(), channel: kept?.get('channel') ?? new Map<string, number>() };
    for (const r of rows) {
      addCounters(total, r.counters);
      if (kept) continue;
      for (const dim of ['category', 'district', 'channel'] as const) {
        const key = r.keys[dim] ?? '';
        mix[dim].set(key, (mix[dim].get(key) ?? 0) + r.counters.received);
      }
    }
    const named = (m: Map<string, number>, name: (code: string) => string) =>
      [...m]
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1] || (a[0] === '' ? 1 : 0) - (b[0] === '' ? 1 : 0) || a[0].localeCompare(b[0]))
        .map(([code, received]) => ({ code, name: name(code), received }));
    const all = durations.get('');
    return {
      ...meta(plan, req.filters),
      volumes: volumesOf(total),
      figures: figuresOf(total, all?.accept, all?.reply, this.settings.satisfactionPoints),
      byCategory: named(mix.category, (c) => (c ? (categories.get(c) ?? c) : '未分类')),
      byDistrict: named(mix.district, (d) => d || '未知区县'),
      byChannel: named(mix.channel, (c) => channelNames[c] ?? c),
    };
  }

  /** Every department's scorecard, ranked by composite score; with a department filter, that one card (ranked among all). */
  async departments(req: ReportRequest, weights = this.settings.compositeWeights): Promise<DepartmentStatsResult> {
    const others = { ...req.filters, department: undefined };
    const plan = await this.repo.plan(req.period, others, req.source);
    const [rows, durations, names] = await Promise.all([
      this.repo.counters(plan, others, ['department']),
      this.repo.durations(plan, others, true),
      this.repo.departmentNames(),
    ]);
    const counters = new Map<string, Counters>(rows.map((r) => [r.keys.department ?? '', r.counters]));
    const cards: Scorecard[] = [...names].map(([code, name]) => {
      const c = counters.get(code) ?? emptyCounters();
      const h = durations.get(code);
      const figures = figuresOf(c, h?.accept, h?.reply, this.settings.satisfactionPoints);
      return { department: code, name, volumes: volumesOf(c), figures, composite: compositeOf(figures, weights), rank: null };
    });
    cards.sort((a, b) => (b.composite ?? -1) - (a.composite ?? -1) || a.department.localeCompare(b.department));
    // Equal scores share a rank (1, 2, 2, 4), as league tables do.
    cards.forEach((card, i) => {
      if (card.composite === null) return;
      const before = cards[i - 1];
      card.rank = before && before.composite === card.composite ? before.rank : i + 1;
    });
    const [response, resolution, satisfaction] = weights;
    return {
      ...meta(plan, req.filters),
      weights: { response, resolution, satisfaction },
      departments: req.filters.department ? cards.filter((c) => c.department === req.filters.department) : cards,
    };
  }

  async trend(req: ReportRequest, granularity: 'day' | 'week' | 'month'): Promise<TrendResult> {
    const plan = await this.repo.plan(req.period, req.filters, req.source);
    const rows = await this.repo.counters(plan, req.filters, ['day']);
    const bucketOf = (day: string) => {
      const start = granularity === 'day' ? day : granularity === 'week' ? weekStart(day) : `${day.slice(0, 7)}-01`;
      return start < req.period.from ? req.period.from : start;
    };
    const buckets = new Map<string, Counters>();
    for (const day of daysOf(req.period.from, req.period.to)) if (!buckets.has(bucketOf(day))) buckets.set(bucketOf(day), emptyCounters());
    for (const r of rows) addCounters(buckets.get(bucketOf(r.keys.day ?? '')) ?? emptyCounters(), r.counters);
    return {
      ...meta(plan, req.filters),
      granularity,
      points: [...buckets].map(([start, c]) => {
        const f = figuresOf(c, undefined, undefined, this.settings.satisfactionPoints);
        return {
          start,
          volumes: volumesOf(c),
          automaticRouting: f.automaticRouting,
          acceptOnTime: f.acceptOnTime,
          replyOnTime: f.replyOnTime,
          resolution: rateOf(c.resolved, c.callbacks),
          satisfaction: f.satisfaction,
        };
      }),
    };
  }
}
