import { periodDays } from '@hotline/contracts';
import { beijingDateKey } from '@hotline/domain';

const DAY_MS = 86_400_000;

/** The instant a Beijing date starts (00:00 Asia/Shanghai; China keeps no daylight saving). */
export function beijingStart(day: string): Date {
  return new Date(`${day}T00:00:00+08:00`);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Every date from `from` to `to`, both included (none when `to` is before `from`). */
export function daysOf(from: string, to: string): string[] {
  const count = periodDays(from, to);
  if (!Number.isInteger(count)) throw new Error(`not a pair of dates: ${from}, ${to}`);
  return Array.from({ length: Math.max(0, count) }, (_, i) => addDays(from, i));
}

export function beijingToday(now: Date): string {
  return beijingDateKey(now);
}

/** A period of Beijing dates, `to` inclusive, with the instants that bound it. */
export interface Period {
  from: string;
  to: string;
  days: number;
  start: Date;
  /** Exclusive: the start of the day after `to`. */
  end: Date;
}

export function periodOf(from: string, to: string): Period {
  return { from, to, days: daysOf(from, to).length, start: beijingStart(from), end: beijingStart(addDays(to, 1)) };
}

/** The period of the same length just before, for hot spots. */
export function previousPeriod(p: Period): Period {
  return periodOf(addDays(p.from, -p.days), addDays(p.from, -1));
}
