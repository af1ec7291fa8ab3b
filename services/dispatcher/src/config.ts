import { loadConfig, workingTimeConfig } from '@hotline/config';
import { defaultDeadlinePolicy, ticketTypes, type DeadlinePolicy, type TicketType } from '@hotline/domain';
import { z } from 'zod';

/** Within the 60 days ahead the services check for holiday data at start (CALENDAR_CHECK_DAYS). */
const MAX_REPLY_WORKING_DAYS = 30;

/** "complaint=15,consultation=3": working days to reply by ticket type; types left out keep their default. */
const ReplyWorkingDays = z
  .string()
  .transform((v, ctx) => {
    const days: Partial<Record<TicketType, number>> = {};
    for (const pair of v.split(',').filter((p) => p.trim())) {
      // Digits only: Number('') is 0, and "complaint=" must not mean a deadline the same day.
      const match = /^\s*([a-z]+)\s*=\s*(\d{1,2})\s*$/.exec(pair);
      const n = Number(match?.[2]);
      if (!match || !ticketTypes.includes(match[1] as TicketType) || n > MAX_REPLY_WORKING_DAYS) {
        ctx.addIssue({
          code: 'custom',
          message: `"${pair}": expected type=days, type one of ${ticketTypes.join(', ')}, days a whole number 0–${MAX_REPLY_WORKING_DAYS}`,
        });
        return z.NEVER;
      }
      days[match[1] as TicketType] = n;
    }
    return days;
  })
  .default({});

export const dispatcherConfig = {
  PORT: z.coerce.number().int().min(1).max(65535).default(3003),
  /** How often the deadline watcher scans for warnings and overdue tickets. */
  WATCH_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** The warning fires when this share of the time to a deadline is left (0.2: the last fifth). */
  DEADLINE_WARNING_FRACTION: z.coerce.number().min(0).max(1).default(0.2),
  /** 签收 within this many office hours of dispatch (an emergency: hours on the clock). */
  ACCEPT_WORKING_HOURS: z.coerce.number().min(0.25).max(240).default(defaultDeadlinePolicy.acceptWorkingHours),
  /** 办结反馈 within working days per ticket type, over the defaults (咨询 2, 求助 and 建议 10, 投诉 and 举报 15, 表扬 10). */
  REPLY_WORKING_DAYS: ReplyWorkingDays,
  /** An emergency's reply within this many hours on the clock. */
  EMERGENCY_REPLY_HOURS: z.coerce.number().min(1).max(240).default(defaultDeadlinePolicy.emergencyReplyHours),
  ...workingTimeConfig,
};

export function loadDispatcherConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(dispatcherConfig, env);
}
export type DispatcherConfig = ReturnType<typeof loadDispatcherConfig>;

/** The deadline rules the configuration gives. */
export function deadlinePolicyOf(config: DispatcherConfig): DeadlinePolicy {
  return {
    ...defaultDeadlinePolicy,
    acceptWorkingHours: config.ACCEPT_WORKING_HOURS,
    replyWorkingDays: { ...defaultDeadlinePolicy.replyWorkingDays, ...config.REPLY_WORKING_DAYS },
    emergencyReplyHours: config.EMERGENCY_REPLY_HOURS,
  };
}
