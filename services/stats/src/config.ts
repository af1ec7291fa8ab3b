import { loadConfig } from '@hotline/config';
import { z } from 'zod';

/** "a,b,c": non-negative numbers, as many as `count`. */
const numberList = (count: number, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const parts = v.split(',').map((x) => Number(x.trim()));
      if (parts.length !== count || parts.some((x) => !Number.isFinite(x) || x < 0)) {
        ctx.addIssue({ code: 'custom', message: `expected ${count} non-negative numbers separated by commas` });
        return z.NEVER;
      }
      return parts;
    });

export const statsConfig = {
  PORT: z.coerce.number().int().min(1).max(65535).default(3006),
  /** Statistics only read: the services that write events run the outbox relay. */
  OUTBOX_RELAY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * Where the figures are read: a streaming replica of DATABASE_URL (e.g. CloudNativePG's
   * `-ro` service), so a month's report does not load the primary. The summary refresh
   * writes, so it stays on DATABASE_URL. Unset: everything on DATABASE_URL.
   */
  STATS_READ_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Points of 非常满意, 满意, 基本满意, 不满意, 非常不满意 in the weighted satisfaction score. */
  STATS_SATISFACTION_POINTS: numberList(5, '100,100,60,0,0'),
  /** Weights of 响应率, 解决率 and 满意率 in the composite score; a request may pass its own. */
  STATS_COMPOSITE_WEIGHTS: numberList(3, '30,35,35'),
  /** How often today's and yesterday's summary rows are recomputed; 0 turns the timer off. */
  STATS_REFRESH_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  /** Recent days recomputed on each tick (2 = today and yesterday). */
  STATS_RECENT_DAYS: z.coerce.number().int().min(1).max(31).default(2),
};

export function loadStatsConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(statsConfig, env);
}
export type StatsConfig = ReturnType<typeof loadStatsConfig>;
