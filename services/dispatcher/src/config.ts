import { loadConfig } from '@hotline/config';
import { z } from 'zod';

export const dispatcherConfig = {
  PORT: z.coerce.number().int().min(1).max(65535).default(3003),
  /** How often the deadline watcher scans for warnings and overdue tickets. */
  WATCH_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** The warning fires when this share of the time to a deadline is left (0.2: the last fifth). */
  DEADLINE_WARNING_FRACTION: z.coerce.number().min(0).max(1).default(0.2),
};

export function loadDispatcherConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(dispatcherConfig, env);
}
export type DispatcherConfig = ReturnType<typeof loadDispatcherConfig>;
