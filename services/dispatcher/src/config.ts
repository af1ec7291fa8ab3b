import { loadConfig, workingTimeConfig } from '@hotline/config';
import { defaultDeadlinePolicy, ticketTypes, type DeadlinePolicy, type TicketType } from '@hotline/domain';
import { z } from 'zod';

/** "complaint=15,consultation=3": working days to reply by ticket type; types left out keep their default. */
const ReplyWorkingDays = z
  .string()
  .transform((v, ctx) => {
    const days: Partial<Record<TicketType, number>> = {};
    for (const pair of v.split(',').filter((p) => p.trim())) {
      const [type, value] = pair.split('=').map((p) => p.trim());
      const n = Number(value);
      if (!ticketTypes.includes(type as TicketType) || !Number.isInteger(n) || n < 0 || n > 120) {
        ctx.addIssue({ code: 'custom', message: `"${pair}": expected type=days, type one of ${ticketTypes.join(', ')}, days a whole number 0–120` });
        return z.NEVER;
      }
      days[type as TicketType] = n;
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
