import cn2025 from '../data/calendar/cn-2025.json' with { type: 'json' };
import cn2026 from '../data/calendar/cn-2026.json' with { type: 'json' };

/** One year of an official calendar: days off and weekend make-up working days (调休). */
export interface CalendarYear {
  year: number;
  region: string;
  /** YYYY-MM-DD days off, weekend days inside a holiday block included. */
  holidays: readonly string[];
  /** YYYY-MM-DD weekend days that are working days (调休上班). */
  workdays: readonly string[];
  source?: string;
}

/** An office period of a working day in Beijing time, "HH:MM" to "HH:MM". */
export interface OfficePeriod {
  start: string;
  end: string;
}

export interface WorkingCalendarOptions {
  /** Ordered, non-overlapping periods; default 08:30–12:00 and 13:30–17:30. */
  officeHours?: readonly OfficePeriod[];
}

export const defaultOfficeHours: readonly OfficePeriod[] = Object.freeze([
  { start: '08:30', end: '12:00' },
  { start: '13:30', end: '17:30' },
]);

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
// Beijing has had no daylight saving since 1991, so a fixed offset is exact and needs no Intl.
const BEIJING_OFFSET_MS = 8 * HOUR_MS;
// Even the longest holiday block is far shorter; hitting this means broken calendar data.
const MAX_DAYS_OFF_IN_A_ROW = 366;

/** Days since 1970-01-01 of the Beijing calendar day that holds `ms`. */
function beijingDayIndex(ms: number): number {
  return Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS);
}

/** The instant of Beijing midnight starting a day index. */
function beijingMidnight(dayIndex: number): number {
  return dayIndex * DAY_MS - BEIJING_OFFSET_MS;
}

function millisOf(date: Date, name: string): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is an invalid Date`);
  return ms;
}

function parseDay(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  // Date.UTC rolls 2026-02-30 over to March, so a round trip catches impossible days.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new RangeError(`"${text}" is not a YYYY-MM-DD date`);
  }
  return ms / DAY_MS;
}

function parseClock(text: string): number {
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
  if (Number.isNaN(minutes) || minutes > 24 * 60) throw new RangeError(`"${text}" is not an HH:MM time`);
  return minutes;
}

/**
 * Office periods as [start, end) minutes after midnight; a RangeError saying what is wrong
 * unless they are HH:MM times in order, non-overlapping and non-empty. Configuration checks
 * OFFICE_HOURS with it, so a bad value is refused naming the variable.
 */
export function officeMinutes(periods: readonly OfficePeriod[]): (readonly [number, number])[] {
  const minutes = periods.map((p) => [parseClock(p.start), parseClock(p.end)] as const);
  if (minutes.length === 0) throw new RangeError('office hours need at least one period');
  minutes.forEach(([start, end], i) => {
    const previousEnd = i > 0 ? minutes[i - 1]![1] : 0;
    if (start >= end || start < previousEnd) {
      throw new RangeError('office hours must be ordered, non-overlapping, non-empty periods');
    }
  });
  return minutes;
}

/** "YYYY-MM-DD" of the Beijing day holding `date`, e.g. for statistics periods. */
export function beijingDateKey(date: Date): string {
  return new Date(beijingDayIndex(millisOf(date, 'date')) * DAY_MS).toISOString().slice(0, 10);
}

/** ISO 8601 in Beijing time with its offset, as the API shows times. */
export function toBeijingIso(date: Date): string {
  return new Date(millisOf(date, 'date') + BEIJING_OFFSET_MS).toISOString().replace('Z', '+08:00');
}

/**
 * Days off that the law puts on fixed dates (《全国年节及纪念日放假办法》 as in force from
 * 2025, when 劳动节 became two days): 元旦 1 January, 劳动节 1–2 May, 国庆节 1–3 October, as
 * (month + 1) × 100 + day of a JavaScript date. In a year from 2025 on without the State
 * Council's notice they are still days off; the holidays that follow the lunar calendar (春节,
 * 端午, 中秋) or a solar term (清明), and the year's 调休, are known only from the notice.
 */
const STATUTORY_FIXED_DAYS_OFF: ReadonlySet<number> = new Set([101, 501, 502, 1001, 1002, 1003]);
const STATUTORY_FIXED_DAYS_FROM_YEAR = 2025;

/**
 * Working days and office hours in Beijing time, whatever the server's zone. Years without
 * data fall back to weekends and, from 2025, the statutory days off on fixed dates; check
 * coversYear() to warn about it.
 */
export class WorkingCalendar {
  private readonly years = new Set<number>();
  private readonly daysOff = new Set<number>();
  private readonly makeUpDays = new Set<number>();
  /** Office periods as [start, end) minutes after Beijing midnight. */
  private readonly periods: ReadonlyArray<readonly [number, number]>;

  constructor(years: readonly CalendarYear[], options: WorkingCalendarOptions = {}) {
    for (const data of years) {
      if (this.years.has(data.year)) throw new RangeError(`calendar year ${data.year} is given twice`);
      this.years.add(data.year);
      for (const [list, target] of [
        [data.holidays, this.daysOff],
        [data.workdays, this.makeUpDays],
      ] as const) {
        for (const day of list) {
          if (!day.startsWith(`${data.year}-`)) throw new RangeError(`${day} is not in calendar year ${data.year}`);
          target.add(parseDay(day));
        }
      }
    }
    for (const day of this.daysOff) {
      if (this.makeUpDays.has(day)) {
        throw new RangeError(`${new Date(day * DAY_MS).toISOString().slice(0, 10)} is both a holiday and a workday`);
      }
    }

    this.periods = officeMinutes(options.officeHours ?? defaultOfficeHours);
  }

  /**
   * Whether official data is loaded for the year; outside it weekends and, from 2025, the
   * statutory days off on fixed dates (STATUTORY_FIXED_DAYS_OFF) are off, nothing else.
   */
  coversYear(year: number): boolean {
    return this.years.has(year);
  }

  get coveredYears(): number[] {
    return [...this.years].sort((a, b) => a - b);
  }

  isWorkingDay(date: Date): boolean {
    return this.isWorkingDayIndex(beijingDayIndex(millisOf(date, 'date')));
  }

  /**
   * End of office hours of the Nth working day after the Beijing day of `from`. The day of
   * `from` itself never counts (期限次日起算), even when it is a working day, so a ticket
   * dispatched at 09:00 does not lose a day to one dispatched at 17:00; when `from` falls
   * on a non-working day the count therefore starts at the next working day as day 1.
   * With `days` 0 the deadline is the end of the current (or next) working day.
   */
  addWorkingDays(from: Date, days: number): Date {
    if (!Number.isInteger(days) || days < 0) throw new RangeError(`working days must be a whole number ≥ 0, got ${days}`);
    let day = beijingDayIndex(millisOf(from, 'from'));
    if (days === 0) day = this.workingDayFrom(day);
    for (let counted = 0; counted < days; counted++) day = this.workingDayFrom(day + 1);
    return new Date(beijingMidnight(day) + this.officeClose() * MINUTE_MS);
  }

  /** The moment `hours` of office time have passed since `from`; 0 hours gives `from` back. */
  addWorkingHours(from: Date, hours: number): Date {
    return this.addWorkingMillis(from, hours * HOUR_MS);
  }

  addWorkingMillis(from: Date, millis: number): Date {
    if (!Number.isFinite(millis) || millis < 0) throw new RangeError(`working time must be ≥ 0, got ${millis}`);
    const start = millisOf(from, 'from');
    if (millis === 0) return new Date(start);
    let left = millis;
    let day = beijingDayIndex(start);
    for (let scanned = 0; scanned <= MAX_DAYS_OFF_IN_A_ROW; ) {
      if (this.isWorkingDayIndex(day)) {
        scanned = 0;
        for (const [open, close] of this.periods) {
          const periodStart = Math.max(beijingMidnight(day) + open * MINUTE_MS, start);
          const periodEnd = beijingMidnight(day) + close * MINUTE_MS;
          if (periodStart >= periodEnd) continue;
          // Ending exactly at a period's close returns the close (17:30), not the next opening.
          if (left <= periodEnd - periodStart) return new Date(periodStart + left);
          left -= periodEnd - periodStart;
        }
      } else {
        scanned++;
      }
      day++;
    }
    throw new RangeError(`no working day within ${MAX_DAYS_OFF_IN_A_ROW} days; check the calendar data`);
  }

  /** Office time between two instants; negative when `b` is before `a`. */
  workingMillisBetween(a: Date, b: Date): number {
    const from = millisOf(a, 'a');
    const to = millisOf(b, 'b');
    if (to < from) return -this.workingMillisBetween(b, a);
    let total = 0;
    for (let day = beijingDayIndex(from); day <= beijingDayIndex(to); day++) {
      if (!this.isWorkingDayIndex(day)) continue;
      for (const [open, close] of this.periods) {
        const overlap =
          Math.min(beijingMidnight(day) + close * MINUTE_MS, to) - Math.max(beijingMidnight(day) + open * MINUTE_MS, from);
        if (overlap > 0) total += overlap;
      }
    }
    return total;
  }

  private isWorkingDayIndex(day: number): boolean {
    if (this.daysOff.has(day)) return false;
    if (this.makeUpDays.has(day)) return true;
    // The day index counts Beijing days, so the UTC fields of its midnight are its Beijing date.
    const date = new Date(day * DAY_MS);
    const weekday = date.getUTCDay();
    if (weekday === 0 || weekday === 6) return false;
    const year = date.getUTCFullYear();
    if (this.years.has(year) || year < STATUTORY_FIXED_DAYS_FROM_YEAR) return true;
    return !STATUTORY_FIXED_DAYS_OFF.has((date.getUTCMonth() + 1) * 100 + date.getUTCDate());
  }

  /** The first working day at or after `day`. */
  private workingDayFrom(day: number): number {
    for (let d = day; d <= day + MAX_DAYS_OFF_IN_A_ROW; d++) {
      if (this.isWorkingDayIndex(d)) return d;
    }
    throw new RangeError(`no working day within ${MAX_DAYS_OFF_IN_A_ROW} days; check the calendar data`);
  }

  private officeClose(): number {
    return this.periods[this.periods.length - 1]![1];
  }
}

/** The mainland China calendar with the committed official data (2025, 2026). */
export const chinaCalendarYears: readonly CalendarYear[] = Object.freeze([cn2025, cn2026]);

/** How far ahead the services check the calendar at start: beyond the longest deadline with an extension. */
export const CALENDAR_CHECK_DAYS = 60;

/**
 * The Beijing years from `from` to `days` later that the calendar has no official data for:
 * there, of the holidays only 元旦, 劳动节 and 国庆节's fixed dates are off, the rest count as
 * working days and 调休 Saturdays as days off, so deadlines near them are wrong. The State
 * Council publishes each year's notice in the autumn before; add it as
 * packages/domain/data/calendar/cn-<year>.json.
 */
export function yearsWithoutData(calendar: WorkingCalendar, from: Date, days: number): number[] {
  const first = Number(beijingDateKey(from).slice(0, 4));
  const last = Number(beijingDateKey(new Date(from.getTime() + days * 86_400_000)).slice(0, 4));
  const missing: number[] = [];
  for (let year = first; year <= last; year++) if (!calendar.coversYear(year)) missing.push(year);
  return missing;
}

export function loadChinaCalendar(options?: WorkingCalendarOptions): WorkingCalendar {
  return new WorkingCalendar(chinaCalendarYears, options);
}
