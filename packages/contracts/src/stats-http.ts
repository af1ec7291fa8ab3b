import { z } from 'zod';
import { Channel } from './enums';

/**
 * The statistics API for managers (三率, scorecards, trend, overdue, hot spots). Periods
 * are Beijing dates, `to` inclusive; filters narrow every figure the same way.
 */

/** The longest period one request may ask for, in days. */
export const MAX_STATS_PERIOD_DAYS = 366;

const DAY_MS = 86_400_000;

/** Days from `from` to `to`, both counted; NaN when either is not a date. */
export function periodDays(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
}

/** Statistics cover the hotline's own years; a date outside them is a typo, not a question. */
export const FIRST_STATS_DATE = '2000-01-01';
export const LAST_STATS_DATE = '2099-12-31';
const statsDate = z.iso
  .date()
  .refine((d) => d >= FIRST_STATS_DATE && d <= LAST_STATS_DATE, `a date from ${FIRST_STATS_DATE} to ${LAST_STATS_DATE}`);

const statsFilters = {
  from: statsDate,
  to: statsDate,
  /** A department code (承办单位). */
  department: z.string().trim().min(1).max(64).optional(),
  /** A taxonomy code of any level: "01" (城乡建设), "01.02", "01.02.03". */
  category: z
    .string()
    .regex(/^\d{2}(\.\d{2}){0,2}$/, 'a taxonomy code such as 01 or 01.02.03')
    .optional(),
  district: z.string().trim().min(1).max(100).optional(),
  channel: Channel.optional(),
  /** auto: summary tables where they are kept, events elsewhere; live: recount from events. */
  source: z.enum(['auto', 'summary', 'live']).default('auto'),
};

/** `from` ≤ `to`, and not longer than MAX_STATS_PERIOD_DAYS. */
function checkPeriod({ from, to }: { from: string; to: string }, ctx: z.RefinementCtx): void {
  const days = periodDays(from, to);
  if (days < 1) ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` is before `from`' });
  else if (days > MAX_STATS_PERIOD_DAYS) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: `the period is ${days} days; at most ${MAX_STATS_PERIOD_DAYS}` });
  }
}

function period<S extends z.ZodRawShape>(shape: S) {
  return z
    .object({ ...statsFilters, ...shape })
    .strict()
    .superRefine((q, ctx) => checkPeriod(q as { from: string; to: string }, ctx));
}

/** "30,35,35": weights of 响应率, 解决率 and 满意率 in the composite score. */
const weights = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,2})?,\d{1,3}(\.\d{1,2})?,\d{1,3}(\.\d{1,2})?$/, 'three non-negative numbers, e.g. 30,35,35')
  .refine((w) => w.split(',').some((x) => Number(x) > 0), 'at least one weight above 0');

export const StatsQuery = period({});
export type StatsQuery = z.infer<typeof StatsQuery>;
export const DepartmentStatsQuery = period({ weights: weights.optional() });
export type DepartmentStatsQuery = z.infer<typeof DepartmentStatsQuery>;
export const TrendQuery = period({ granularity: z.enum(['day', 'week', 'month']).default('day') });
export type TrendQuery = z.infer<typeof TrendQuery>;
export const OverdueQuery = period({ limit: z.coerce.number().int().min(1).max(5000).default(200) });
export type OverdueQuery = z.infer<typeof OverdueQuery>;
export const HotspotQuery = period({ limit: z.coerce.number().int().min(1).max(50).default(10) });
export type HotspotQuery = z.infer<typeof HotspotQuery>;

/** A rate shown with what it is made of; `rate` is null when nothing was counted. */
export const Rate = z.object({ numerator: z.number().int(), denominator: z.number().int(), rate: z.number().nullable() });

export const Volumes = z.object({
  received: z.number().int(),
  /** Tickets dispatched for the first time (a re-dispatch counts the ticket once). */
  dispatched: z.number().int(),
  /** 直接答复. */
  answered: z.number().int(),
  transferred: z.number().int(),
  /** 并单. */
  merged: z.number().int(),
});

export const SatisfactionCounts = z.object({
  very_satisfied: z.number().int(),
  satisfied: z.number().int(),
  basically_satisfied: z.number().int(),
  dissatisfied: z.number().int(),
  very_dissatisfied: z.number().int(),
});

/** Nearest-rank percentiles in minutes, to two significant figures; null when nothing was counted. */
export const Durations = z.object({
  count: z.number().int(),
  medianMinutes: z.number().nullable(),
  p90Minutes: z.number().nullable(),
});

export const Figures = z.object({
  /** 派单次数: every dispatch, re-dispatches and reopens included. */
  dispatches: z.number().int(),
  /**
   * 自动分派率: of the received tickets the classifier decided on, those it routed to a
   * category and department without an agent (the rest went to triage).
   */
  automaticRouting: Rate,
  /**
   * The classifier's triage decisions by why it left the ticket to an agent: the model unsure,
   * too few content words to trust it on, a category it has no labels for (triage events
   * written before 2026-12-02 record no cause and are in none of these).
   */
  triageCauses: z.object({ unsure: z.number().int(), tooFewWords: z.number().int(), unlabelledCategory: z.number().int() }),
  /**
   * 签收及时率 (also the 响应率 of the composite): of the dispatches whose accept was decided
   * in the period (accepted, or the accept deadline passed first), those accepted on time.
   */
  acceptOnTime: Rate,
  /** 按时办结率. */
  replyOnTime: Rate,
  /** 解决率: reached callbacks that say resolved. */
  resolution: Rate,
  /** 满意率: 非常满意 + 满意 + 基本满意 over rated. */
  satisfaction: Rate,
  /** Weighted satisfaction score 0–100 (points per level configurable). */
  satisfactionScore: z.number().nullable(),
  satisfactionLevels: SatisfactionCounts,
  /** Resolved partly / not resolved, of the reached callbacks. */
  partlyResolved: z.number().int(),
  unresolved: z.number().int(),
  /** Reported apart, outside every denominator: tickets closed unreachable, and unreached attempts. */
  unreachable: z.number().int(),
  unreachedAttempts: z.number().int(),
  /** 退单, 重办, and overdue events (accept or reply deadline passed). */
  returns: z.number().int(),
  reopens: z.number().int(),
  overdue: z.number().int(),
  timeToAccept: Durations,
  timeToReply: Durations,
});

const Named = z.object({ code: z.string(), name: z.string(), received: z.number().int() });

export const StatsPeriod = z.object({ from: z.string(), to: z.string(), days: z.number().int() });

const Meta = {
  period: StatsPeriod,
  filters: z.record(z.string(), z.string()),
  /** Where the figures came from, and when the oldest summary row used was computed. */
  source: z.object({ summaryDays: z.number().int(), liveDays: z.number().int(), summaryAsOf: z.string().nullable() }),
};

export const OverviewResult = z.object({
  ...Meta,
  volumes: Volumes,
  figures: Figures,
  /** 类别, 区县 and 渠道 mix of the tickets received. */
  byCategory: z.array(Named),
  byDistrict: z.array(Named),
  byChannel: z.array(Named),
});
export type OverviewResult = z.infer<typeof OverviewResult>;

export const Scorecard = z.object({
  department: z.string(),
  name: z.string(),
  volumes: Volumes,
  figures: Figures,
  /** Weighted 响应率, 解决率, 满意率, 0–100, over the rates that have a denominator; null when none has. */
  composite: z.number().nullable(),
  /** 1 is best; null for a department without a composite. */
  rank: z.number().int().nullable(),
});
export type Scorecard = z.infer<typeof Scorecard>;

export const DepartmentStatsResult = z.object({
  ...Meta,
  weights: z.object({ response: z.number(), resolution: z.number(), satisfaction: z.number() }),
  departments: z.array(Scorecard),
});
export type DepartmentStatsResult = z.infer<typeof DepartmentStatsResult>;

export const TrendPoint = z.object({
  /** First day of the bucket (a week starts on Monday); the bucket is cut to the period. */
  start: z.string(),
  volumes: Volumes,
  automaticRouting: Rate,
  acceptOnTime: Rate,
  replyOnTime: Rate,
  resolution: Rate,
  satisfaction: Rate,
});

export const TrendResult = z.object({ ...Meta, granularity: z.enum(['day', 'week', 'month']), points: z.array(TrendPoint) });
export type TrendResult = z.infer<typeof TrendResult>;

export const OverdueItem = z.object({
  ticketId: z.string(),
  number: z.string(),
  title: z.string(),
  status: z.string(),
  department: z.string().nullable(),
  departmentName: z.string().nullable(),
  district: z.string().nullable(),
  /** accept: not accepted (签收) in time; reply: not replied (办结) in time. */
  deadline: z.enum(['accept', 'reply']),
  due: z.string(),
  overdueHours: z.number(),
});

/** What a manager reads for each 督办 reason. */
export const SUPERVISION_REASON_NAMES: Readonly<Record<string, string>> = {
  overdue_accept: '超期未签收',
  overdue_reply: '超期未办结',
  returned_twice: '两次退单',
  reopen_limit: '重办超限',
};

export const SupervisionItem = z.object({
  id: z.string(),
  ticketId: z.string(),
  number: z.string(),
  title: z.string(),
  department: z.string().nullable(),
  departmentName: z.string().nullable(),
  reason: z.string(),
  /** The reason in Chinese (SUPERVISION_REASON_NAMES). */
  reasonName: z.string(),
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
});

export const OverdueResult = z.object({
  period: StatsPeriod,
  filters: z.record(z.string(), z.string()),
  asOf: z.string(),
  overdue: z.object({ total: z.number().int(), items: z.array(OverdueItem) }),
  supervision: z.object({ total: z.number().int(), open: z.number().int(), items: z.array(SupervisionItem) }),
});
export type OverdueResult = z.infer<typeof OverdueResult>;

export const HotspotExample = z.object({
  /** Near-identical appeals grouped as one; `count` of them among the tickets looked at. */
  count: z.number().int(),
  number: z.string(),
  title: z.string(),
  numbers: z.array(z.string()),
});

export const Hotspot = z.object({
  kind: z.enum(['place', 'topic']),
  /** place: "district street" (or the district alone); topic: a taxonomy code. */
  key: z.string(),
  name: z.string(),
  current: z.number().int(),
  previous: z.number().int(),
  increase: z.number().int(),
  /** current / previous − 1; null when the previous period had none. */
  growth: z.number().nullable(),
  examples: z.array(HotspotExample),
});

export const HotspotResult = z.object({
  period: StatsPeriod,
  previous: StatsPeriod,
  filters: z.record(z.string(), z.string()),
  places: z.array(Hotspot),
  topics: z.array(Hotspot),
});
export type HotspotResult = z.infer<typeof HotspotResult>;

/** Recount the summary rows of a period from the events (after a late correction, say). */
export const SummaryRebuildBody = z.object({ from: statsDate, to: statsDate }).strict().superRefine(checkPeriod);

export const SummaryRebuildResult = z.object({ days: z.number().int() });
