import { officeMinutes, type OfficePeriod } from '@hotline/domain';
import { z } from 'zod';

/** Variables every service reads; a service adds its own with `loadConfig(extra)`. */
export const baseConfig = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/hotline'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Prefix of every stream and subject: lets tests and several stacks share one NATS. */
  NATS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]*$/)
    .default(''),
  NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Run the outbox relay in this process (one relay per database publishes at a time). */
  OUTBOX_RELAY: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** How long an `Idempotency-Key` and its answer are kept (intake's tickets, the departments' actions). */
  IDEMPOTENCY_KEY_RETENTION_HOURS: z.coerce.number().int().min(1).default(168),
  /** Requests one API key may make per minute on one replica; 0 turns the limit off. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  /** Above this mean event-loop delay (sampled each second) the service answers 503 with Retry-After. */
  MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(10).default(200),
} as const;

const OFFICE_PERIODS = /^\d{2}:\d{2}-\d{2}:\d{2}(,\d{2}:\d{2}-\d{2}:\d{2})*$/;

/** Whether the calendar takes these office periods (real times, in order, not overlapping). */
function calendarTakes(periods: OfficePeriod[]): boolean {
  try {
    officeMinutes(periods);
    return true;
  } catch {
    return false;
  }
}

/** Variables of the services that count working time (the dispatcher's deadlines, the callbacks' due dates). */
export const workingTimeConfig = {
  /** Office periods of a working day, Beijing time: "08:30-12:00,13:30-17:30". */
  OFFICE_HOURS: z
    .string()
    .transform((v) => v.replace(/\s+/g, ''))
    .refine((v) => OFFICE_PERIODS.test(v), 'expected periods like 08:30-12:00,13:30-17:30')
    .transform((v) => v.split(',').map((period): OfficePeriod => ({ start: period.slice(0, 5), end: period.slice(6) })))
    .refine(calendarTakes, 'expected periods of real clock times in order, like 08:30-12:00,13:30-17:30')
    .default([
      { start: '08:30', end: '12:00' },
      { start: '13:30', end: '17:30' },
    ]),
} as const;

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Shape = Record<string, z.ZodType>;
export type BaseConfig = Readonly<z.infer<z.ZodObject<typeof baseConfig>>>;
export type Config<E extends Shape> = Readonly<z.infer<z.ZodObject<typeof baseConfig & E>>>;

/** Parses the environment once into a frozen object; a bad value names its variable. */
export function loadConfig<E extends Shape>(extra: E, env: Record<string, string | undefined> = process.env): Config<E> {
  const schema = z.object({ ...baseConfig, ...extra });
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })));
  }
  return Object.freeze(result.data) as Config<E>;
}
