import { seedRules } from '@hotline/catalogue';
import { ticketEvents } from '@hotline/db';
import { and, eq } from 'drizzle-orm';
import t from 'tap';
import { admin, agent, buildTestDispatcher, createTicket, departmentKey, manager, waitForStatus } from './helper';

const streetLights = { name: '路灯', keywords: ['路灯'], main: 'a5', co: ['urban-management'] };

t.test('managers publish catalogue versions; the newest routes the next ticket, which records it', async (t) => {
  const { intake, dispatcher, database } = await buildTestDispatcher(t);
  const put = (payload: object, headers = manager) => dispatcher.inject({ method: 'PUT', url: '/v1/catalogue', headers, payload });

  const seeded = await dispatcher.inject({ method: 'GET', url: '/v1/catalogue', headers: agent });
  t.equal(seeded.statusCode, 200);
  t.match(seeded.json(), { version: 1, note: 'seeded catalogue', createdBy: 'seed' });
  t.equal(seeded.json().rules.length, seedRules.length);

  t.equal((await put({ rules: [streetLights] }, agent)).statusCode, 403, 'agents read the catalogue but do not edit it');
  t.equal((await put({ rules: [streetLights] }, departmentKey('a5'))).statusCode, 403);
  t.equal((await dispatcher.inject({ method: 'GET', url: '/v1/catalogue', headers: departmentKey('a5') })).statusCode, 403);

  const invalid = await put({
    rules: [
      streetLights,
      { name: '无此单位', keywords: ['井盖'], main: 'nobody', co: [] },
      { name: '无此分类', categories: ['城乡建设', '不存在'], main: 'housing', co: [] },
      { name: '无此区县', categories: ['城乡建设'], districts: ['A3区', 'B1区'], main: 'a3', co: ['housing', 'ghost'] },
    ],
  });
  t.equal(invalid.statusCode, 400);
  const error = invalid.json().error;
  t.equal(error.code, 'validation_failed');
  t.same(
    error.details.fields.map((f: { field: string }) => f.field),
    ['rules[1].main', 'rules[2].categories[1]', 'rules[3].co[1]', 'rules[3].districts[1]'],
  );
  t.match(error.message, /rules\[1\]\.main \(unknown department "nobody"\)/);
  t.equal((await put({ rules: [] })).statusCode, 400, 'a catalogue needs rules');
  t.equal((await dispatcher.inject({ method: 'GET', url: '/v1/catalogue', headers: agent })).json().version, 1, 'nothing published');

  const streetLightTicket = { channel: 'wechat', type: 'help', content: 'A5区人民路的路灯坏了一个多月，晚上一片漆黑，行人很不安全。' };
  const before = await waitForStatus(database.db, await createTicket(intake, streetLightTicket), 'dispatched');
  t.equal(before.catalogueVersion, 1, 'before the edit the seed catalogue routes');

  const published = await put({ rules: [streetLights, ...seedRules], note: '路灯归属地' });
  t.equal(published.statusCode, 201, published.body);
  t.match(published.json(), { version: 2, note: '路灯归属地', rules: [streetLights] });
  t.equal((await dispatcher.inject({ method: 'GET', url: '/v1/catalogue', headers: manager })).json().version, 2);
  t.match((await dispatcher.inject({ method: 'GET', url: '/v1/catalogue/1', headers: agent })).json(), { version: 1, createdBy: 'seed' });
  t.equal((await dispatcher.inject({ method: 'GET', url: '/v1/catalogue/99', headers: agent })).statusCode, 404);

  const id = await createTicket(intake, streetLightTicket);
  const row = await waitForStatus(database.db, id, 'dispatched');
  t.equal(row.departmentCode, 'a5');
  t.same(row.coDepartments, ['urban-management']);
  t.equal(row.catalogueVersion, 2, 'the ticket records the version that routed it');
  const [event] = await database.db
    .select()
    .from(ticketEvents)
    .where(and(eq(ticketEvents.ticketId, id), eq(ticketEvents.type, 'dispatched')));
  t.match(event?.data, { department: 'a5', catalogueVersion: 2 });
});

t.test('concurrent edits each get a version of their own', async (t) => {
  const { dispatcher } = await buildTestDispatcher(t);
  const results = await Promise.all(
    [1, 2, 3, 4, 5].map((n) =>
      dispatcher.inject({ method: 'PUT', url: '/v1/catalogue', headers: admin, payload: { rules: seedRules, note: `edit ${n}` } }),
    ),
  );
  t.same(
    results.map((r) => r.statusCode),
    [201, 201, 201, 201, 201],
  );
  t.same(results.map((r) => r.json().version).sort(), [2, 3, 4, 5, 6]);
});
