import type { WorkingCalendar } from './calendar';
import type { TicketType, Urgency } from './ticket';

/** Deadline rules; config overrides any part by spreading over defaultDeadlinePolicy. */
export interface DeadlinePolicy {
  /** 签收: office hours from dispatch; for an emergency, hours on the clock. */
  acceptWorkingHours: number;
  /** 办结反馈: working days from dispatch, per ticket type. */
  replyWorkingDays: Readonly<Record<TicketType, number>>;
  /** Emergencies run on the clock, nights and holidays included. */
  emergencyReplyHours: number;
  /** 回访: working days from the reply. */
  callbackWorkingDays: number;
}

/** Which clock a deadline runs on, so warnings are measured on the same one. */
export type DeadlineClock = 'working' | 'calendar';

export const defaultDeadlinePolicy: DeadlinePolicy = Object.freeze({
  acceptWorkingHours: 2,
  replyWorkingDays: Object.freeze({
    consultation: 2,
    help: 10,
    suggestion: 10,
    complaint: 15,
    report: 15,
    // The rules name no limit for 表扬: it needs an acknowledgement, not an investigation,
    // so it gets the ordinary 10 days of 求助/建议 rather than the 15 of 投诉/举报.
    praise: 10,
  }),
  emergencyReplyHours: 24,
  callbackWorkingDays: 1,
});

const HOUR_MS = 3_600_000;

/**
 * 签收 deadline. An emergency is accepted within the same hours on the clock: a gas leak
 * reported on Friday evening cannot wait for Monday's office hours.
 */
export function acceptDeadline(
  dispatchedAt: Date,
  urgency: Urgency,
  calendar: WorkingCalendar,
  policy: DeadlinePolicy = defaultDeadlinePolicy,
): Date {
  if (deadlineClock(urgency) === 'calendar') return new Date(dispatchedAt.getTime() + policy.acceptWorkingHours * HOUR_MS);
  return calendar.addWorkingHours(dispatchedAt, policy.acceptWorkingHours);
}

/** The clock a ticket's accept and reply deadlines run on: the wall clock for emergencies, office time otherwise. */
export function deadlineClock(urgency: Urgency): DeadlineClock {
  return urgency === 'emergency' ? 'calendar' : 'working';
}

/** `urgent` keeps its type's limit: the design only shortens emergencies. */
export function replyDeadline(
  type: TicketType,
  urgency: Urgency,
  dispatchedAt: Date,
  calendar: WorkingCalendar,
  policy: DeadlinePolicy = defaultDeadlinePolicy,
): Date {
  if (deadlineClock(urgency) === 'calendar') {
    return new Date(dispatchedAt.getTime() + policy.emergencyReplyHours * HOUR_MS);
  }
  return calendar.addWorkingDays(dispatchedAt, policy.replyWorkingDays[type]);
}

export function callbackDeadline(
  repliedAt: Date,
  calendar: WorkingCalendar,
  policy: DeadlinePolicy = defaultDeadlinePolicy,
): Date {
  return calendar.addWorkingDays(repliedAt, policy.callbackWorkingDays);
}

/**
 * When only `fraction` of the time from start to deadline is left: office time by default,
 * wall-clock time for calendar-clock deadlines (emergencies). A working-clock span with no
 * office time in it (e.g. over a night) also falls back to wall-clock time, since "20% of
 * nothing" would otherwise put the warning at the deadline itself.
 */
export function warningAt(
  start: Date,
  deadline: Date,
  calendar: WorkingCalendar,
  fraction = 0.2,
  clock: DeadlineClock = 'working',
): Date {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must be within 0..1, got ${fraction}`);
  const working = clock === 'working' ? calendar.workingMillisBetween(start, deadline) : 0;
  if (working > 0) return calendar.addWorkingMillis(start, Math.round(working * (1 - fraction)));
  const span = deadline.getTime() - start.getTime();
  return new Date(deadline.getTime() - Math.round(span * fraction));
}
