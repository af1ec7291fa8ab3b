import t from 'tap';
import {
  acceptDeadline,
  callbackDeadline,
  defaultDeadlinePolicy,
  loadChinaCalendar,
  deadlineClock,
  replyDeadline,
  toBeijingIso as iso,
  warningAt,
  type DeadlinePolicy,
  type TicketType,
} from '../src/index';

const calendar = loadChinaCalendar();
const bj = (text: string): Date => new Date(`${text.replace(' ', 'T')}:00+08:00`);

t.test('accept (签收) within 2 working hours of dispatch', async (t) => {
  t.equal(iso(acceptDeadline(bj('2026-03-04 09:00'), 'normal', calendar)), '2026-03-04T11:00:00.000+08:00');
  t.equal(iso(acceptDeadline(bj('2026-03-04 11:00'), 'normal', calendar)), '2026-03-04T14:30:00.000+08:00', 'across lunch');
  t.equal(iso(acceptDeadline(bj('2026-03-06 17:00'), 'normal', calendar)), '2026-03-09T10:00:00.000+08:00', 'over a weekend');
  t.equal(iso(acceptDeadline(bj('2026-10-09 16:30'), 'normal', calendar)), '2026-10-10T09:30:00.000+08:00', 'make-up Saturday');
  t.equal(iso(acceptDeadline(bj('2026-10-02 10:00'), 'normal', calendar)), '2026-10-08T10:30:00.000+08:00', 'during a holiday');
  t.equal(iso(acceptDeadline(bj('2026-03-06 18:00'), 'emergency', calendar)), '2026-03-06T20:00:00.000+08:00', 'an emergency on a Friday evening: 2 hours on the clock');
  t.equal(iso(acceptDeadline(bj('2026-10-02 10:00'), 'emergency', calendar)), '2026-10-02T12:00:00.000+08:00', 'an emergency during a holiday');
  t.equal(iso(acceptDeadline(bj('2026-03-06 17:00'), 'urgent', calendar)), '2026-03-09T10:00:00.000+08:00', 'urgent keeps office hours');
});

t.test('reply (办结反馈) by ticket type', async (t) => {
  const dispatched = bj('2026-09-28 10:00');
  const expected: Record<TicketType, string> = {
    consultation: '2026-09-30T17:30:00.000+08:00',
    help: '2026-10-16T17:30:00.000+08:00',
    suggestion: '2026-10-16T17:30:00.000+08:00',
    praise: '2026-10-16T17:30:00.000+08:00',
    complaint: '2026-10-23T17:30:00.000+08:00',
    report: '2026-10-23T17:30:00.000+08:00',
  };
  for (const [type, deadline] of Object.entries(expected) as Array<[TicketType, string]>) {
    t.equal(iso(replyDeadline(type, 'normal', dispatched, calendar)), deadline, type);
  }
  t.equal(
    iso(replyDeadline('complaint', 'urgent', dispatched, calendar)),
    expected.complaint,
    'urgent keeps the type limit',
  );
  t.equal(
    iso(replyDeadline('complaint', 'normal', bj('2026-02-13 10:00'), calendar)),
    '2026-03-12T17:30:00.000+08:00',
    'over Spring Festival with both make-up Saturdays',
  );
  t.equal(
    iso(replyDeadline('consultation', 'normal', bj('2026-10-03 10:00'), calendar)),
    '2026-10-09T17:30:00.000+08:00',
    'dispatched on a holiday',
  );
});

t.test('emergencies run 24 calendar hours, holidays included', async (t) => {
  const deadline = replyDeadline('help', 'emergency', bj('2026-09-30 20:00'), calendar);
  t.equal(iso(deadline), '2026-10-01T20:00:00.000+08:00');
  t.equal(deadlineClock('emergency'), 'calendar');
  t.equal(deadlineClock('urgent'), 'working');
});

t.test('callback (回访) within 1 working day of the reply', async (t) => {
  t.equal(iso(callbackDeadline(bj('2026-03-04 15:00'), calendar)), '2026-03-05T17:30:00.000+08:00');
  t.equal(iso(callbackDeadline(bj('2026-10-09 15:00'), calendar)), '2026-10-10T17:30:00.000+08:00', 'make-up Saturday');
  t.equal(iso(callbackDeadline(bj('2026-09-30 15:00'), calendar)), '2026-10-08T17:30:00.000+08:00', 'over National Day');
});

t.test('a policy overrides the defaults', async (t) => {
  const policy: DeadlinePolicy = {
    ...defaultDeadlinePolicy,
    acceptWorkingHours: 1,
    replyWorkingDays: { ...defaultDeadlinePolicy.replyWorkingDays, consultation: 1 },
    emergencyReplyHours: 12,
    callbackWorkingDays: 2,
  };
  const at = bj('2026-03-04 10:00');
  t.equal(iso(acceptDeadline(at, 'normal', calendar, policy)), '2026-03-04T11:00:00.000+08:00');
  t.equal(iso(replyDeadline('consultation', 'normal', at, calendar, policy)), '2026-03-05T17:30:00.000+08:00');
  t.equal(iso(replyDeadline('complaint', 'normal', at, calendar, policy)), '2026-03-25T17:30:00.000+08:00');
  t.equal(iso(replyDeadline('complaint', 'emergency', at, calendar, policy)), '2026-03-04T22:00:00.000+08:00');
  t.equal(iso(callbackDeadline(at, calendar, policy)), '2026-03-06T17:30:00.000+08:00');
  t.ok(Object.isFrozen(defaultDeadlinePolicy.replyWorkingDays), 'defaults cannot be changed by accident');
});

t.test('warning when 20% of the working time is left', async (t) => {
  // 21 office hours from Monday 10:00 to Wednesday 17:30; 4.2 h before is 11:48 (lunch skipped).
  const start = bj('2026-03-02 10:00');
  const deadline = replyDeadline('consultation', 'normal', start, calendar);
  t.equal(iso(warningAt(start, deadline, calendar)), '2026-03-04T11:48:00.000+08:00');
  t.equal(iso(warningAt(start, deadline, calendar, 0.5)), '2026-03-03T14:30:00.000+08:00');
  t.equal(iso(warningAt(start, deadline, calendar, 0)), '2026-03-04T17:30:00.000+08:00');

  const dispatched = bj('2026-10-09 16:30');
  t.equal(
    iso(warningAt(dispatched, acceptDeadline(dispatched, 'normal', calendar), calendar)),
    '2026-10-10T09:06:00.000+08:00',
    'accept deadline over the night, on a make-up Saturday',
  );

  const emergency = bj('2026-09-30 20:00');
  t.equal(
    iso(warningAt(emergency, replyDeadline('help', 'emergency', emergency, calendar), calendar, 0.2, deadlineClock('emergency'))),
    '2026-10-01T15:12:00.000+08:00',
    'emergencies warn on the wall clock',
  );
  t.equal(
    iso(warningAt(bj('2026-03-06 18:00'), bj('2026-03-07 06:00'), calendar)),
    '2026-03-07T03:36:00.000+08:00',
    'no office time in the span: wall clock',
  );
  t.throws(() => warningAt(start, deadline, calendar, 1.5), RangeError);
});
