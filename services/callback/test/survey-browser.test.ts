import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ticketEvents } from '@hotline/db';
import { seedTicket } from '@hotline/testkit';
import { and, eq } from 'drizzle-orm';
import { chromium } from 'playwright-core';
import t from 'tap';
import { agent, buildTestCallback, statusOf, waitForCallback } from './helper';

const screenshots = join(import.meta.dirname, '..', '..', '..', '.data', 'screenshots');

t.test('a citizen rates the reply on a phone-sized screen with a few taps', async (t) => {
  const { app, database, names } = await buildTestCallback(t);
  const ticket = await seedTicket(database, names, { status: 'replied' });
  await waitForCallback(database.db, ticket.id);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const list = await app.inject({ method: 'GET', url: '/v1/callbacks', headers: agent });
  const url = new URL(new URL(list.json().items[0].surveyUrl).pathname, address).toString();

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const opened = await page.goto(url);
  t.equal(opened?.status(), 200);
  t.equal(await page.title(), '办理结果满意度评价 - 12345政务服务便民热线');
  t.ok(await page.getByText(ticket.number).isVisible(), 'the ticket number is shown');
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  t.ok(width <= 375, `fits the screen without sideways scrolling (${width}px)`);
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, 'survey.png'), fullPage: true });

  await page.getByLabel('部分解决').click();
  await page.getByLabel('基本满意', { exact: true }).click();
  await page.getByLabel('意见或建议').fill('白天还有点吵，但好多了');
  await page.getByRole('button', { name: '提交评价' }).click();
  await page.getByText('您的评价已提交').waitFor();
  await page.screenshot({ path: join(screenshots, 'survey-done.png') });

  t.equal(await statusOf(database.db, ticket.id), 'closed');
  const [recorded] = await database.db
    .select()
    .from(ticketEvents)
    .where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'callback_recorded')));
  t.match(recorded?.data, { via: 'survey', resolved: 'partly', satisfaction: 'basically_satisfied', comment: '白天还有点吵，但好多了', reopenRequested: false });

  await page.goto(url);
  t.ok(await page.getByText('这次答复已经评价过了').isVisible(), 'opening the link again says it was used');
});
