import { CALENDAR_CHECK_DAYS, yearsWithoutData, type WorkingCalendar } from '@hotline/domain';
import type { FastifyBaseLogger } from 'fastify';

/** Says at start, loudly, when deadlines ahead would fall in a year without holiday data. */
export function warnOfCalendarGaps(log: FastifyBaseLogger, calendar: WorkingCalendar, now: Date): void {
  const years = yearsWithoutData(calendar, now, CALENDAR_CHECK_DAYS);
  if (years.length === 0) return;
  log.warn(
    { years, coveredYears: calendar.coveredYears },
    `no official holiday calendar for ${years.join(', ')}: deadlines there count 春节, 清明, 端午 and 中秋 as working days and know no 调休 (only the fixed dates of 元旦, 劳动节 and 国庆节 are off); add packages/domain/data/calendar/cn-<year>.json from the State Council notice and import it into chinaCalendarYears (packages/domain/src/calendar.ts)`,
  );
}
