import t from 'tap';
import { WorkingCalendar, beijingDateKey, loadChinaCalendar, toBeijingIso, yearsWithoutData } from '../src/index';

const calendar = loadChinaCalendar();
/** A Beijing wall-clock time, "2026-10-09 16:30". */
const bj = (text: string): Date => new Date(`${text.replace(' ', 'T')}:00+08:00`);
const iso = toBeijingIso;

t.test('Beijing formatting does not depend on the server', async (t) => {
  t.equal(toBeijingIso(new Date('2026-10-09T16:30:00Z')), '2026-10-10T00:30:00.000+08:00');
  t.equal(bj('2026-10-10 00:30').toISOString(), '2026-10-09T16:30:00.000Z');
  t.equal(beijingDateKey(new Date('2026-10-09T15:59:59.999Z')), '2026-10-09');
  t.equal(beijingDateKey(new Date('2026-10-09T16:00:00Z')), '2026-10-10');
});

t.test('working days follow the official calendar', async (t) => {
  const cases: Array<[string, boolean, string]> = [
    ['2026-10-01 10:00', false, 'National Day'],
    ['2026-10-07 10:00', false, 'last day of the National Day block'],
    ['2026-10-08 10:00', true, 'Thursday after the block'],
    ['2026-10-10 10:00', true, 'make-up working Saturday (调休)'],
    ['2026-10-11 10:00', false, 'ordinary Sunday'],
    ['2026-02-14 10:00', true, 'make-up Saturday before Spring Festival'],
    ['2026-02-21 10:00', false, 'Saturday inside the Spring Festival block'],
    ['2026-02-23 10:00', false, 'Monday inside the Spring Festival block'],
    ['2026-03-04 10:00', true, 'ordinary Wednesday'],
    ['2025-10-08 10:00', false, '2025 National Day block runs to the 8th'],
    ['2025-10-11 10:00', true, '2025 make-up Saturday'],
  ];
  for (const [when, working, why] of cases) t.equal(calendar.isWorkingDay(bj(when)), working, `${when}: ${why}`);
  t.equal(calendar.isWorkingDay(bj('2026-10-09 23:59')), true, 'Friday late evening in Beijing');
  t.equal(calendar.isWorkingDay(new Date('2026-10-10T16:00:00Z')), false, 'Sunday 00:00 in Beijing though Saturday in UTC');
});

t.test('the years ahead without holiday data are named, by Beijing year', async (t) => {
  t.same(yearsWithoutData(calendar, bj('2026-06-01 10:00'), 60), [], 'June 2026: covered two months ahead');
  t.same(yearsWithoutData(calendar, bj('2026-12-01 10:00'), 60), [2027], 'December 2026: deadlines reach into 2027');
  t.same(yearsWithoutData(calendar, new Date('2026-12-31T16:30:00Z'), 0), [2027], '00:30 on 1 January in Beijing is 2027');
  t.same(yearsWithoutData(calendar, bj('2024-12-01 10:00'), 60), [2024], 'before the data too');
});

t.test('years without data fall back to weekends and the statutory days off on fixed dates', async (t) => {
  t.ok(calendar.coversYear(2025));
  t.ok(calendar.coversYear(2026));
  t.notOk(calendar.coversYear(2027));
  t.same(calendar.coveredYears, [2025, 2026]);
  const cases: Array<[string, boolean, string]> = [
    ['2027-01-01 10:00', false, '元旦, a Friday'],
    ['2027-10-01 10:00', false, '国庆节, a Friday'],
    ['2027-10-02 10:00', false, 'a Saturday'],
    ['2027-10-04 10:00', true, 'the Monday after: how the notice extends National Day is not known'],
    ['2027-05-03 10:00', true, 'a Monday: 劳动节 falls on the weekend and the notice is not known'],
    ['2027-03-10 10:00', true, 'an ordinary Wednesday'],
    ['2028-05-02 10:00', false, '劳动节 is two days by the law in force from 2025'],
    ['2024-10-01 10:00', true, 'before 2025 the law differed (劳动节 one day): weekends only'],
  ];
  for (const [when, working, why] of cases) t.equal(calendar.isWorkingDay(bj(when)), working, `${when}: ${why}`);
  t.equal(iso(calendar.addWorkingDays(bj('2026-12-31 10:00'), 2)), '2027-01-05T17:30:00.000+08:00', 'over 元旦 (Fri) and the weekend: Mon Jan 4 and Tue Jan 5');
  t.equal(iso(calendar.addWorkingHours(bj('2026-12-31 17:00'), 2)), '2027-01-04T10:00:00.000+08:00', 'a 签收 deadline runs over 元旦 to Monday');
});

t.test('addWorkingDays: end of office hours of the Nth working day after', async (t) => {
  const cases: Array<[string, number, string, string]> = [
    ['2026-03-04 10:00', 1, '2026-03-05T17:30:00.000+08:00', 'next day'],
    ['2026-03-06 10:00', 1, '2026-03-09T17:30:00.000+08:00', 'Friday to Monday over a weekend'],
    ['2026-03-06 10:00', 10, '2026-03-20T17:30:00.000+08:00', 'two weekends'],
    ['2026-09-30 10:00', 1, '2026-10-08T17:30:00.000+08:00', 'over National Day'],
    ['2026-09-30 10:00', 3, '2026-10-10T17:30:00.000+08:00', 'lands on the make-up Saturday'],
    ['2026-10-09 10:00', 1, '2026-10-10T17:30:00.000+08:00', 'Friday to the make-up Saturday'],
    ['2026-10-09 10:00', 2, '2026-10-12T17:30:00.000+08:00', 'make-up Saturday counts, Sunday does not'],
    ['2026-02-13 10:00', 1, '2026-02-14T17:30:00.000+08:00', 'Friday to the Spring Festival make-up Saturday'],
    ['2026-02-13 10:00', 2, '2026-02-24T17:30:00.000+08:00', 'over the whole Spring Festival block'],
    ['2026-10-03 10:00', 1, '2026-10-08T17:30:00.000+08:00', 'from a holiday: first working day is day 1'],
    ['2026-10-03 10:00', 2, '2026-10-09T17:30:00.000+08:00', 'from a holiday, two days'],
    ['2026-03-07 10:00', 1, '2026-03-09T17:30:00.000+08:00', 'from a Saturday'],
    ['2026-03-04 23:30', 1, '2026-03-05T17:30:00.000+08:00', 'late evening still counts as its own day'],
    ['2026-03-04 07:00', 0, '2026-03-04T17:30:00.000+08:00', 'zero days: end of today'],
    ['2026-03-07 07:00', 0, '2026-03-09T17:30:00.000+08:00', 'zero days on a weekend: end of Monday'],
    ['2025-09-30 10:00', 1, '2025-10-09T17:30:00.000+08:00', '2025 National Day'],
  ];
  for (const [from, days, expected, why] of cases) {
    t.equal(iso(calendar.addWorkingDays(bj(from), days)), expected, `${from} + ${days}: ${why}`);
  }
  t.equal(calendar.addWorkingDays(bj('2026-03-06 10:00'), 1).toISOString(), '2026-03-09T09:30:00.000Z');
  t.throws(() => calendar.addWorkingDays(bj('2026-03-04 10:00'), -1), RangeError);
  t.throws(() => calendar.addWorkingDays(bj('2026-03-04 10:00'), 1.5), RangeError);
  t.throws(() => calendar.addWorkingDays(new Date('not a date'), 1), RangeError);
});

t.test('addWorkingHours counts office hours only', async (t) => {
  const cases: Array<[string, number, string, string]> = [
    ['2026-03-04 09:00', 2, '2026-03-04T11:00:00.000+08:00', 'inside the morning'],
    ['2026-03-04 11:00', 2, '2026-03-04T14:30:00.000+08:00', 'across lunch'],
    ['2026-03-04 12:30', 1, '2026-03-04T14:30:00.000+08:00', 'starting in lunch'],
    ['2026-03-04 07:00', 1, '2026-03-04T09:30:00.000+08:00', 'before opening'],
    ['2026-03-04 16:30', 1, '2026-03-04T17:30:00.000+08:00', 'ending exactly at closing'],
    ['2026-03-04 10:00', 2, '2026-03-04T12:00:00.000+08:00', 'ending exactly at lunch'],
    ['2026-03-04 17:00', 2, '2026-03-05T10:00:00.000+08:00', 'overnight'],
    ['2026-03-04 20:00', 2, '2026-03-05T10:30:00.000+08:00', 'from the evening'],
    ['2026-03-06 16:30', 2, '2026-03-09T09:30:00.000+08:00', 'over a weekend'],
    ['2026-03-07 10:00', 2, '2026-03-09T10:30:00.000+08:00', 'from a Saturday'],
    ['2026-09-30 17:00', 2, '2026-10-08T10:00:00.000+08:00', 'over National Day'],
    ['2026-10-03 10:00', 2, '2026-10-08T10:30:00.000+08:00', 'from a holiday'],
    ['2026-10-09 16:30', 2, '2026-10-10T09:30:00.000+08:00', 'into the make-up Saturday'],
    ['2026-03-04 10:00', 7.5, '2026-03-05T10:00:00.000+08:00', 'one full office day'],
    ['2026-03-04 10:00', 0.25, '2026-03-04T10:15:00.000+08:00', 'a quarter hour'],
    ['2026-03-04 20:00', 0, '2026-03-04T20:00:00.000+08:00', 'zero hours is the start itself'],
  ];
  for (const [from, hours, expected, why] of cases) {
    t.equal(iso(calendar.addWorkingHours(bj(from), hours)), expected, `${from} + ${hours}h: ${why}`);
  }
  t.throws(() => calendar.addWorkingHours(bj('2026-03-04 10:00'), -1), RangeError);
});

t.test('workingMillisBetween', async (t) => {
  const hours = (a: string, b: string) => calendar.workingMillisBetween(bj(a), bj(b)) / 3_600_000;
  t.equal(hours('2026-03-04 08:30', '2026-03-04 17:30'), 7.5);
  t.equal(hours('2026-03-04 11:00', '2026-03-04 14:00'), 1.5);
  t.equal(hours('2026-03-06 17:00', '2026-03-09 09:00'), 1, 'weekend is free');
  t.equal(hours('2026-09-30 17:00', '2026-10-08 09:00'), 1, 'National Day is free');
  t.equal(hours('2026-10-09 17:00', '2026-10-10 09:00'), 1, 'make-up Saturday counts');
  t.equal(hours('2026-03-04 18:00', '2026-03-04 20:00'), 0);
  t.equal(hours('2026-03-05 10:00', '2026-03-04 10:00'), -7.5, 'negative when reversed');
  const from = bj('2026-09-28 10:15');
  const to = calendar.addWorkingHours(from, 37.25);
  t.equal(calendar.workingMillisBetween(from, to), 37.25 * 3_600_000, 'inverse of addWorkingHours');
});

t.test('office hours are configurable', async (t) => {
  const custom = loadChinaCalendar({ officeHours: [{ start: '09:00', end: '17:00' }] });
  t.equal(iso(custom.addWorkingDays(bj('2026-03-04 10:00'), 1)), '2026-03-05T17:00:00.000+08:00');
  t.equal(iso(custom.addWorkingHours(bj('2026-03-04 16:00'), 2)), '2026-03-05T10:00:00.000+08:00');
  t.throws(() => loadChinaCalendar({ officeHours: [] }), RangeError);
  t.throws(() => loadChinaCalendar({ officeHours: [{ start: '12:00', end: '09:00' }] }), RangeError);
  t.throws(
    () => loadChinaCalendar({ officeHours: [{ start: '08:30', end: '12:00' }, { start: '11:00', end: '17:00' }] }),
    RangeError,
  );
  t.throws(() => loadChinaCalendar({ officeHours: [{ start: '8h30', end: '12:00' }] }), RangeError);
});

t.test('bad calendar data is refused', async (t) => {
  const year = { year: 2030, region: 'CN', holidays: [], workdays: [] };
  t.throws(() => new WorkingCalendar([year, year]), RangeError, 'duplicate year');
  t.throws(() => new WorkingCalendar([{ ...year, holidays: ['2030-02-30'] }]), RangeError, 'impossible day');
  t.throws(() => new WorkingCalendar([{ ...year, holidays: ['2031-01-01'] }]), RangeError, 'day of another year');
  t.throws(
    () => new WorkingCalendar([{ ...year, holidays: ['2030-01-05'], workdays: ['2030-01-05'] }]),
    RangeError,
    'both off and on',
  );
});

t.test("results do not depend on the process's time zone", async (t) => {
  const original = process.env.TZ;
  t.teardown(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });
  const compute = () => {
    const c = loadChinaCalendar();
    return [
      c.addWorkingDays(bj('2026-09-30 10:00'), 3),
      c.addWorkingDays(bj('2026-10-09 23:30'), 1),
      c.addWorkingHours(bj('2026-10-09 16:30'), 2),
      c.addWorkingHours(bj('2026-02-13 17:00'), 3),
      new Date(c.workingMillisBetween(bj('2026-09-28 10:00'), bj('2026-10-12 10:00'))),
      new Date(Number(c.isWorkingDay(new Date('2026-10-10T16:00:00Z')))),
    ].map((d) => d.toISOString());
  };
  const offsets = new Set<number>();
  const results = ['UTC', 'America/Los_Angeles', 'Asia/Shanghai', 'Pacific/Kiritimati', 'Europe/London'].map((zone) => {
    process.env.TZ = zone;
    offsets.add(new Date('2026-07-01T00:00:00Z').getTimezoneOffset());
    return compute();
  });
  t.ok(offsets.size > 1, 'the zone switch really took effect');
  for (const result of results) t.same(result, results[0]);
  t.same(results[0]?.slice(0, 4), [
    '2026-10-10T09:30:00.000Z',
    '2026-10-10T09:30:00.000Z',
    '2026-10-10T01:30:00.000Z',
    '2026-02-14T03:00:00.000Z',
  ]);
});
