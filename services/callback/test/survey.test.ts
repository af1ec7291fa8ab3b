import { ticketEvents, tickets } from '@hotline/db';
import { seedTicket } from '@hotline/testkit';
import { and, eq } from 'drizzle-orm';
import t from 'tap';
import { surveyToken } from '../src/survey-token';
import { agent, buildTestCallback, callbackOf, statusOf, TestClock, waitForCallback } from './helper';

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const answer = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function surveyPath(app: Awaited<ReturnType<typeof buildTestCallback>>['app'], ticketId: string): Promise<string> {
  const list = await app.inject({ method: 'GET', url: '/v1/callbacks', headers: agent });
  const item = list.json().items.find((i: { ticketId: string }) => i.ticketId === ticketId);
  return new URL(item.surveyUrl).pathname;
}

async function recordedCount(db: Awaited<ReturnType<typeof buildTestCallback>>['database']['db'], ticketId: string): Promise<number> {
  const rows = await db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticketId), eq(ticketEvents.type, 'callback_recorded')));
  return rows.length;
}

t.test('the survey link works once: the page, the answer, then a clear "already rated" page', async (t) => {
  const { app, database, names } = await buildTestCallback(t);
  const ticket = await seedTicket(database, names, { status: 'replied' });
  await waitForCallback(database.db, ticket.id);
  const path = await surveyPath(app, ticket.id);

  const page = await app.inject({ method: 'GET', url: path });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html; charset=utf-8/);
  for (const text of ['非常满意', '满意', '基本满意', '不满意', '非常不满意', '已解决', '部分解决', '未解决', '要求重新办理', ticket.number]) {
    t.ok(page.body.includes(text), `the page shows ${text}`);
  }
  t.notOk(page.body.includes('<script'), 'no script needed');

  const incomplete = await app.inject({ method: 'POST', url: path, headers: form, payload: answer({ resolved: 'resolved' }) });
  t.equal(incomplete.statusCode, 400);
  t.ok(incomplete.body.includes('请选择满意程度'), 'the missing choice is named');
  t.equal(await statusOf(database.db, ticket.id), 'callback_pending', 'an incomplete form changes nothing');

  const sent = await app.inject({ method: 'POST', url: path, headers: form, payload: answer({ resolved: 'resolved', satisfaction: 'satisfied', comment: '谢谢' }) });
  t.equal(sent.statusCode, 200, sent.body);
  t.ok(sent.body.includes('您的评价已提交'));
  t.equal(await statusOf(database.db, ticket.id), 'closed');
  const [recorded] = await database.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'callback_recorded')));
  t.match(recorded?.data, { via: 'survey', reached: true, resolved: 'resolved', satisfaction: 'satisfied', comment: '谢谢', reopenRequested: false });
  t.equal(recorded?.actorId, 'survey');

  const reopened = await app.inject({ method: 'GET', url: path });
  t.equal(reopened.statusCode, 409);
  t.ok(reopened.body.includes('已经评价过了'));
  const twice = await app.inject({ method: 'POST', url: path, headers: form, payload: answer({ resolved: 'unresolved', satisfaction: 'very_dissatisfied' }) });
  t.equal(twice.statusCode, 409, 'a used link records nothing');
  const byPhone = await app.inject({
    method: 'POST',
    url: `/v1/tickets/${ticket.id}/callback`,
    headers: agent,
    payload: { reached: true, resolved: 'resolved', satisfaction: 'satisfied' },
  });
  t.equal(byPhone.statusCode, 409, 'nor is the citizen asked again by phone');
  t.equal(await recordedCount(database.db, ticket.id), 1);
});

t.test('the longest comment the page takes, in Chinese with line breaks, is recorded whole; NUL in it is refused', async (t) => {
  const { app, database, names } = await buildTestCallback(t);
  const ticket = await seedTicket(database, names, { status: 'replied' });
  await waitForCallback(database.db, ticket.id);
  const path = await surveyPath(app, ticket.id);
  // 2,000 characters as the page's maxlength counts them (a line break as one), which the browser
  // sends with each line break as CRLF: over 18 KB once percent-encoded.
  const typed = Array.from({ length: 100 }, () => '夜间施工噪音仍然很大，希望继续跟进处理。').join('\n').slice(0, 2000);
  const comment = typed.replace(/\n/g, '\r\n');
  const withNul = await app.inject({ method: 'POST', url: path, headers: form, payload: answer({ resolved: 'resolved', satisfaction: 'satisfied', comment: '谢谢\u0000' }) });
  t.equal(withNul.statusCode, 400, withNul.body);
  t.match(withNul.body, /comment/, 'the field is named');
  t.equal(await recordedCount(database.db, ticket.id), 0, 'nothing recorded');
  const sent = await app.inject({ method: 'POST', url: path, headers: form, payload: answer({ resolved: 'partly', satisfaction: 'basically_satisfied', comment }) });
  t.equal(sent.statusCode, 200, sent.body.slice(0, 300));
  t.ok(sent.body.includes('您的评价已提交'));
  const [recorded] = await database.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'callback_recorded')));
  t.equal((recorded?.data as { comment?: string }).comment, typed, 'recorded whole, line breaks as typed');
});

t.test('forged, altered and expired links get a clear page and change nothing', async (t) => {
  const clock = new TestClock(new Date());
  const { app, database, names } = await buildTestCallback(t, { clock });
  const ticket = await seedTicket(database, names, { status: 'replied' });
  const callback = await waitForCallback(database.db, ticket.id);
  const path = await surveyPath(app, ticket.id);
  const token = path.slice(3);
  const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  const otherSecret = surveyToken('someone-else-s-secret-of-32-characters!', callback.id);
  for (const [what, url] of [
    ['an altered signature', `/s/${altered}`],
    ['a token signed with another secret', `/s/${otherSecret}`],
    ['a made-up token', '/s/not-a-token'],
    ['an overlong token', `/s/${'x'.repeat(90)}`],
  ] as const) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 404, what);
    t.ok(res.body.includes('链接无效'), `${what}: says the link is invalid`);
    const post = await app.inject({ method: 'POST', url, headers: form, payload: answer({ resolved: 'resolved', satisfaction: 'satisfied' }) });
    t.equal(post.statusCode, 404);
  }
  const [before] = await database.db.select().from(tickets).where(eq(tickets.id, ticket.id));

  clock.set(new Date(Date.now() + 5 * 86_400_000 + 60_000));
  const expired = await app.inject({ method: 'GET', url: path });
  t.equal(expired.statusCode, 410);
  t.ok(expired.body.includes('链接已过期'));
  const late = await app.inject({ method: 'POST', url: path, headers: form, payload: answer({ resolved: 'resolved', satisfaction: 'satisfied' }) });
  t.equal(late.statusCode, 410);
  const listed = await app.inject({ method: 'GET', url: '/v1/callbacks', headers: agent });
  t.equal(listed.json().items[0].surveyUrl, null, 'agents no longer get an expired link to send');

  const [after] = await database.db.select().from(tickets).where(eq(tickets.id, ticket.id));
  t.equal(after?.version, before?.version, 'nothing was written');
  t.equal(await recordedCount(database.db, ticket.id), 0);
  t.equal((await callbackOf(database.db, ticket.id))?.completedAt, null);
});

t.test('phone and link answered at the same moment: one outcome is recorded', async (t) => {
  const { app, database, names } = await buildTestCallback(t);
  for (let round = 0; round < 5; round++) {
    const ticket = await seedTicket(database, names, { status: 'replied' });
    await waitForCallback(database.db, ticket.id);
    const path = await surveyPath(app, ticket.id);
    const [phone, link] = await Promise.all([
      app.inject({
        method: 'POST',
        url: `/v1/tickets/${ticket.id}/callback`,
        headers: agent,
        payload: { reached: true, resolved: 'partly', satisfaction: 'basically_satisfied' },
      }),
      app.inject({ method: 'POST', url: path, headers: form, payload: answer({ resolved: 'resolved', satisfaction: 'very_satisfied' }) }),
    ]);
    t.same([phone.statusCode, link.statusCode].sort(), [200, 409], `round ${round}: one answer wins, the other is told`);
    t.equal(await recordedCount(database.db, ticket.id), 1, `round ${round}: one callback_recorded`);
    t.equal(await statusOf(database.db, ticket.id), 'closed');
  }
});
