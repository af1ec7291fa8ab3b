import { ConfigError } from '@hotline/config';
import { defaultDeadlinePolicy } from '@hotline/domain';
import t from 'tap';
import { deadlinePolicyOf, loadDispatcherConfig } from '../src/config';

t.test('without settings the deadline rules and office hours are the defaults', async (t) => {
  const config = loadDispatcherConfig({});
  t.same(deadlinePolicyOf(config), defaultDeadlinePolicy);
  t.same(config.OFFICE_HOURS, [
    { start: '08:30', end: '12:00' },
    { start: '13:30', end: '17:30' },
  ]);
});

t.test('a reply limit set for some ticket types leaves the others at their default', async (t) => {
  const config = loadDispatcherConfig({ REPLY_WORKING_DAYS: 'consultation=3,complaint=20', ACCEPT_WORKING_HOURS: '4', EMERGENCY_REPLY_HOURS: '12' });
  t.same(deadlinePolicyOf(config), {
    ...defaultDeadlinePolicy,
    acceptWorkingHours: 4,
    replyWorkingDays: { ...defaultDeadlinePolicy.replyWorkingDays, consultation: 3, complaint: 20 },
    emergencyReplyHours: 12,
  });
  t.same(loadDispatcherConfig({ OFFICE_HOURS: '09:00-17:00' }).OFFICE_HOURS, [{ start: '09:00', end: '17:00' }]);
  t.same(deadlinePolicyOf(loadDispatcherConfig({ REPLY_WORKING_DAYS: 'consultation=2,help=10,suggestion=10,complaint=15,report=15,praise=10' })), defaultDeadlinePolicy, 'the documented default, written out');
});

t.test('a bad value stops the service naming its variable', async (t) => {
  const cases: [Record<string, string>, string][] = [
    [{ REPLY_WORKING_DAYS: 'complaints=15' }, 'REPLY_WORKING_DAYS'],
    [{ REPLY_WORKING_DAYS: 'complaint=fifteen' }, 'REPLY_WORKING_DAYS'],
    [{ REPLY_WORKING_DAYS: 'complaint=-1' }, 'REPLY_WORKING_DAYS'],
    [{ REPLY_WORKING_DAYS: 'complaint=' }, 'REPLY_WORKING_DAYS'],
    [{ REPLY_WORKING_DAYS: 'complaint=1e1' }, 'REPLY_WORKING_DAYS'],
    [{ REPLY_WORKING_DAYS: 'complaint=15=3' }, 'REPLY_WORKING_DAYS'],
    [{ REPLY_WORKING_DAYS: 'complaint=31' }, 'REPLY_WORKING_DAYS'],
    [{ OFFICE_HOURS: '25:00-26:00' }, 'OFFICE_HOURS'],
    [{ OFFICE_HOURS: '12:00-08:30' }, 'OFFICE_HOURS'],
    [{ OFFICE_HOURS: '08:30-12:00,11:00-17:30' }, 'OFFICE_HOURS'],
    [{ OFFICE_HOURS: '8:30-12:00' }, 'OFFICE_HOURS'],
    [{ OFFICE_HOURS: 'mornings' }, 'OFFICE_HOURS'],
    [{ ACCEPT_WORKING_HOURS: '0' }, 'ACCEPT_WORKING_HOURS'],
  ];
  for (const [env, variable] of cases) {
    t.throws(() => loadDispatcherConfig(env), ConfigError, JSON.stringify(env));
    try {
      loadDispatcherConfig(env);
    } catch (err) {
      t.same((err as ConfigError).issues.map((i) => i.variable), [variable], JSON.stringify(env));
    }
  }
});
