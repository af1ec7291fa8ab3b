import type { z } from 'zod';
import type { Durations, Figures, Rate, Volumes } from '@hotline/contracts';

/** The counters kept per day and dimension; the names of the summary columns are their snake_case. */
export const counterNames = [
  'received',
  'dispatchedTickets',
  'answered',
  'transferred',
  'merged',
  'dispatches',
  'accepted',
  'acceptDecided',
  'acceptedOnTime',
  'replied',
  'repliedOnTime',
  'returns',
  'reopens',
  'overdue',
  'callbacks',
  'resolved',
  'partlyResolved',
  'unresolved',
  'verySatisfied',
  'satisfied',
  'basicallySatisfied',
  'dissatisfied',
  'veryDissatisfied',
  'unreachable',
  'unreachedAttempts',
  'modelDecisions',
  'routedAutomatically',
  'triagedUnsure',
  'triagedTooFewWords',
  'triagedUnlabelledCategory',
] as const;
export type CounterName = (typeof counterNames)[number];
export type Counters = Record<CounterName, number>;

export const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function emptyCounters(): Counters {
  return Object.fromEntries(counterNames.map((n) => [n, 0])) as Counters;
}

export function addCounters(into: Counters, row: Partial<Record<CounterName, unknown>>): Counters {
  for (const n of counterNames) into[n] += Number(row[n] ?? 0);
  return into;
}

/** Minutes to two significant figures: 7, 47, 130, 2400. Monotone, so a percentile of the rounded values is the rounded percentile. */
export function roundMinutes(minutes: number): number {
  if (minutes < 100) return minutes;
  const scale = 10 ** (String(Math.trunc(minutes)).length - 2);
  return Math.round(minutes / scale) * scale;
}

/** Counts of each rounded duration: minutes → how many. */
export type Histogram = Map<number, number>;

export function addToHistogram(into: Histogram, minutes: number, count: number): void {
  into.set(minutes, (into.get(minutes) ?? 0) + count);
}

/** Nearest-rank percentile (the smallest value with at least p of the counts at or below it). */
function percentile(sorted: [number, number][], total: number, p: number): number | null {
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [minutes, count] of sorted) {
    seen += count;
    if (seen >= rank) return minutes;
  }
  return null;
}

export function durationsOf(histogram: Histogram | undefined): z.infer<typeof Durations> {
  const sorted = [...(histogram ?? new Map<number, number>())].sort((a, b) => a[0] - b[0]);
  const count = sorted.reduce((s, [, c]) => s + c, 0);
  return { count, medianMinutes: percentile(sorted, count, 0.5), p90Minutes: percentile(sorted, count, 0.9) };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function rateOf(numerator: number, denominator: number): z.infer<typeof Rate> {
  return { numerator, denominator, rate: denominator > 0 ? round(numerator / denominator, 4) : null };
}

export function volumesOf(c: Counters): z.infer<typeof Volumes> {
  return { received: c.received, dispatched: c.dispatchedTickets, answered: c.answered, transferred: c.transferred, merged: c.merged };
}

/** Points of 非常满意, 满意, 基本满意, 不满意, 非常不满意 in the weighted satisfaction score. */
export type SatisfactionPoints = readonly [number, number, number, number, number];

export interface ScoreSettings {
  satisfactionPoints: SatisfactionPoints;
  /** 响应率, 解决率, 满意率. */
  compositeWeights: readonly [number, number, number];
}

export function figuresOf(
  c: Counters,
  accept: Histogram | undefined,
  reply: Histogram | undefined,
  points: SatisfactionPoints,
): z.infer<typeof Figures> {
  const levels = [c.verySatisfied, c.satisfied, c.basicallySatisfied, c.dissatisfied, c.veryDissatisfied];
  const rated = levels.reduce((a, b) => a + b, 0);
  const score = rated > 0 ? round(levels.reduce((s, n, i) => s + n * (points[i] ?? 0), 0) / rated, 2) : null;
  return {
    dispatches: c.dispatches,
    automaticRouting: rateOf(c.routedAutomatically, c.modelDecisions),
    triageCauses: { unsure: c.triagedUnsure, tooFewWords: c.triagedTooFewWords, unlabelledCategory: c.triagedUnlabelledCategory },
    acceptOnTime: rateOf(c.acceptedOnTime, c.acceptDecided),
    replyOnTime: rateOf(c.repliedOnTime, c.replied),
    resolution: rateOf(c.resolved, c.callbacks),
    satisfaction: rateOf(c.verySatisfied + c.satisfied + c.basicallySatisfied, rated),
    satisfactionScore: score,
    satisfactionLevels: {
      very_satisfied: c.verySatisfied,
      satisfied: c.satisfied,
      basically_satisfied: c.basicallySatisfied,
      dissatisfied: c.dissatisfied,
      very_dissatisfied: c.veryDissatisfied,
    },
    partlyResolved: c.partlyResolved,
    unresolved: c.unresolved,
    unreachable: c.unreachable,
    unreachedAttempts: c.unreachedAttempts,
    returns: c.returns,
    reopens: c.reopens,
    overdue: c.overdue,
    timeToAccept: durationsOf(accept),
    timeToReply: durationsOf(reply),
  };
}

/**
 * Composite score 0–100: the weighted mean of 响应率 (= 签收及时率), 解决率 and 满意率 over
 * the rates that have a denominator, so a department nobody rated yet is still scored on
 * what it did; null when none has.
 */
export function compositeOf(f: z.infer<typeof Figures>, weights: readonly [number, number, number]): number | null {
  const parts = [f.acceptOnTime.rate, f.resolution.rate, f.satisfaction.rate];
  let sum = 0;
  let weight = 0;
  parts.forEach((rate, i) => {
    const w = weights[i] ?? 0;
    if (rate === null || w === 0) return;
    sum += w * rate;
    weight += w;
  });
  return weight > 0 ? round((100 * sum) / weight, 2) : null;
}
