import { beijingDateKey } from '@hotline/domain';
import { seedTicket } from '@hotline/testkit';
import t from 'tap';
import { admin, buildTestDepartments, keyOf, manager } from './helper';

const { app, database, names } = await buildTestDepartments(t);
const clerk = keyOf('urban-management');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const base = Date.now();
const at = (ms: number) => new Date(base - ms);
const seed = (options: Parameters<typeof seedTicket>[2]) => seedTicket(database, names, { department: 'urban-management', ...options });
// Oldest first, so the expected order (newest dispatch first) is the reverse.
const longReplied = await seed({ status: 'replied', now: at(61 * DAY_MS) });
const longOverdue = await seed({ status: 'dispatched', now: at(60 * DAY_MS), title: '路边占道经营无人管' });
const acceptedLate = await seed({ status: 'accepted', now: at(2 * DAY_MS + HOUR_MS) });
const notAccepted = await seed({ status: 'dispatched', now: at(2 * DAY_MS) });
const fresh = await seed({ status: 'dispatched', now: at(1000) });
const coHandled = await seed({ status: 'dispatched', department: 'housing', coDepartments: ['urban-management'], now: at(500) });
await seed({ status: 'dispatched', department: 'transport' });
await seed({ status: 'classified' });

async function inbox(query = '') {
  const res = await app.inject({ method: 'GET', url: `/v1/inbox${query}`, headers: clerk });
  if (res.statusCode !== 200) throw new Error(`inbox${query}: ${res.statusCode} ${res.body}`);
  return res.json() as { items: { id: string; caller: { phone: string | null } }[]; nextCursor: string | null };
}
const ids = async (query = '') => (await inbox(query)).items.map((i) => i.id);

t.test('the inbox holds the tickets dispatched to the department, as main or co, newest dispatch first', async (t) => {
  t.same(await ids(), [coHandled.id, fresh.id, notAccepted.id, acceptedLate.id, longOverdue.id, longReplied.id]);
  t.same(await ids('?role=co'), [coHandled.id]);
  t.same(await ids('?role=main'), [fresh.id, notAccepted.id, acceptedLate.id, longOverdue.id, longReplied.id]);
  t.same(await ids('?status=accepted'), [acceptedLate.id]);
});

t.test('overdue: an accept or reply deadline has passed and the ticket is not replied', async (t) => {
  t.same(await ids('?overdue=true'), [notAccepted.id, longOverdue.id], 'not accepted in 2 working hours, or past the reply deadline');
  t.same(await ids('?overdue=false'), [coHandled.id, fresh.id, acceptedLate.id, longReplied.id]);
});

t.test('dispatch dates are Beijing days; text matches title, content or number', async (t) => {
  const today = beijingDateKey(new Date(base));
  const sixtyDaysAgo = beijingDateKey(at(60 * DAY_MS));
  t.same(await ids(`?from=${today}`), [coHandled.id, fresh.id]);
  t.same(await ids(`?to=${sixtyDaysAgo}`), [longOverdue.id, longReplied.id]);
  t.same(await ids(`?from=${sixtyDaysAgo}&to=${sixtyDaysAgo}`), [longOverdue.id]);
  t.same(await ids(`?q=${encodeURIComponent('占道经营')}`), [longOverdue.id]);
  t.same(await ids(`?q=${acceptedLate.number}`), [acceptedLate.id]);
});

t.test('cursor pagination', async (t) => {
  const pages: string[][] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page = await inbox(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    pages.push(page.items.map((i) => i.id));
    cursor = page.nextCursor;
  }
  t.same(pages, [
    [coHandled.id, fresh.id],
    [notAccepted.id, acceptedLate.id],
    [longOverdue.id, longReplied.id],
  ]);
  for (const forged of ['nonsense', Buffer.from(`2026-03-06T01:00:00.000Z|${'-'.repeat(36)}`).toString('base64url')]) {
    const bad = await app.inject({ method: 'GET', url: `/v1/inbox?cursor=${forged}`, headers: clerk });
    t.equal(bad.statusCode, 400, forged);
    t.match(bad.json().error.message, /cursor/);
  }
});

t.test("the caller's phone is masked unless the department has full_phone", async (t) => {
  t.same(new Set((await inbox()).items.map((i) => i.caller.phone)), new Set(['138****1234']));
  const police = await seedTicket(database, names, { status: 'dispatched', department: 'public-security', callerPhone: '13912345678' });
  const policeInbox = await app.inject({ method: 'GET', url: '/v1/inbox', headers: keyOf('public-security') });
  t.equal(policeInbox.json().items[0].caller.phone, '13912345678', '公安 calls back itself and sees the whole number');
  const read = async (headers: Record<string, string>) =>
    (await app.inject({ method: 'GET', url: `/v1/tickets/${police.id}`, headers })).json().caller.phone;
  t.equal(await read(keyOf('public-security')), '13912345678');
  t.equal(await read(manager), '139****5678', 'managers see it masked');
  t.equal(await read(admin), '13912345678');
  t.equal((await app.inject({ method: 'GET', url: `/v1/tickets/${fresh.id}`, headers: clerk })).json().caller.phone, '138****1234');
});

t.test("an anonymous caller's name and number are withheld from departments, even one with full_phone", async (t) => {
  const report = await seedTicket(database, names, { status: 'dispatched', department: 'public-security', type: 'report', callerPhone: '13912345678', anonymous: true });
  const police = keyOf('public-security');
  const listed = (await app.inject({ method: 'GET', url: '/v1/inbox', headers: police })).json().items.find((i: { id: string }) => i.id === report.id);
  t.same(listed.caller, { name: null, phone: '139****5678', anonymous: true }, 'in the inbox');
  const one = (await app.inject({ method: 'GET', url: `/v1/tickets/${report.id}`, headers: police })).json();
  t.same(one.caller, { name: null, phone: '139****5678', anonymous: true }, 'in the ticket');
  const received = one.history.find((e: { type: string }) => e.type === 'received');
  t.equal(received.data.ticket.caller.name, null, 'and in its history');
  t.notMatch(JSON.stringify(one), /张先生|13912345678/, 'nowhere in the answer');
  const accepted = await app.inject({ method: 'POST', url: `/v1/tickets/${report.id}/accept`, headers: police });
  t.equal(accepted.statusCode, 200);
  t.notMatch(accepted.body, /张先生|13912345678/, 'nor in the ticket an action returns');
  const forAdmin = (await app.inject({ method: 'GET', url: `/v1/tickets/${report.id}`, headers: admin })).json();
  t.same(forAdmin.caller, { name: '张先生', phone: '13912345678', anonymous: true }, 'the hotline itself still knows who called');
});
