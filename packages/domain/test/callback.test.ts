import t from 'tap';
import { callbackAnswerProblems, callbackOutcome, loadChinaCalendar, mayAskToReopen } from '../src/index';

const calendar = loadChinaCalendar();
const bj = (text: string): Date => new Date(`${text.replace(' ', 'T')}:00+08:00`);
const first = { cycle: 1, unreachedAttempts: [] };

t.test('an answer names what is missing or does not fit', async (t) => {
  t.same(callbackAnswerProblems({ reached: true, resolved: 'resolved', satisfaction: 'satisfied' }), []);
  t.same(callbackAnswerProblems({ reached: false }), []);
  t.same(
    callbackAnswerProblems({ reached: true }).map((p) => p.field),
    ['resolved', 'satisfaction'],
  );
  t.same(
    callbackAnswerProblems({ reached: false, satisfaction: 'satisfied', reopen: true }).map((p) => p.field),
    ['satisfaction', 'reopen'],
  );
  t.same(
    callbackAnswerProblems({ reached: true, resolved: 'resolved', satisfaction: 'very_satisfied', reopen: true }).map((p) => p.field),
    ['reopen'],
    'nothing to reopen when solved and satisfied',
  );
});

t.test('only what was not solved or not satisfying may be reopened', async (t) => {
  t.equal(mayAskToReopen('resolved', 'basically_satisfied'), false);
  t.equal(mayAskToReopen('resolved', 'dissatisfied'), true);
  t.equal(mayAskToReopen('partly', 'satisfied'), true);
  t.equal(mayAskToReopen('unresolved', 'very_satisfied'), true);
});

t.test('reached: rated and closed, or reopened, and the second reopen goes to managers', async (t) => {
  const at = bj('2026-03-04 10:00');
  t.same(callbackOutcome({ reached: true, resolved: 'resolved', satisfaction: 'satisfied' }, at, first, calendar), { kind: 'closed', reason: 'rated' });
  t.same(
    callbackOutcome({ reached: true, resolved: 'unresolved', satisfaction: 'dissatisfied' }, at, first, calendar),
    { kind: 'closed', reason: 'rated' },
    'not solved but no reopen asked: rated as it is',
  );
  const unsolved = { reached: true, resolved: 'unresolved', satisfaction: 'dissatisfied', reopen: true } as const;
  t.same(callbackOutcome(unsolved, at, first, calendar), { kind: 'reopened', cycle: 2, supervision: false });
  t.same(callbackOutcome(unsolved, at, { cycle: 2, unreachedAttempts: [] }, calendar), { kind: 'reopened', cycle: 3, supervision: true });
  t.same(callbackOutcome(unsolved, at, { cycle: 2, unreachedAttempts: [] }, calendar, { reopenLimit: 2, unreachableDays: 3 }), {
    kind: 'reopened',
    cycle: 3,
    supervision: false,
  });
});

t.test('unreachable after attempts on three different working days', async (t) => {
  const no = { reached: false };
  const wed = bj('2026-03-04 10:00');
  t.same(callbackOutcome(no, wed, first, calendar), { kind: 'pending', unreachedDays: 1 });
  const sameDay = { cycle: 1, unreachedAttempts: [bj('2026-03-04 09:00'), bj('2026-03-04 09:30')] };
  t.same(callbackOutcome(no, wed, sameDay, calendar), { kind: 'pending', unreachedDays: 1 }, 'three calls on one day are one day');
  const weekend = { cycle: 1, unreachedAttempts: [bj('2026-03-04 09:00'), bj('2026-03-07 10:00')] };
  t.same(callbackOutcome(no, bj('2026-03-08 10:00'), weekend, calendar), { kind: 'pending', unreachedDays: 1 }, 'weekend calls are not working days');
  const twoDays = { cycle: 1, unreachedAttempts: [bj('2026-03-04 09:00'), bj('2026-03-05 16:00')] };
  t.same(callbackOutcome(no, bj('2026-03-06 10:00'), twoDays, calendar), { kind: 'closed', reason: 'unreachable' });
  // 2026-02-14 (Saturday) is a make-up working day (调休) in the 2026 calendar.
  const makeUp = { cycle: 1, unreachedAttempts: [bj('2026-02-12 09:00'), bj('2026-02-13 09:00')] };
  t.same(callbackOutcome(no, bj('2026-02-14 10:00'), makeUp, calendar), { kind: 'closed', reason: 'unreachable' }, 'a 调休 Saturday counts');
});
