import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import t from 'tap';
import { generateMarch } from './fixtures';
import { bj, buildTestStats, generateTicket } from './helper';

const screenshots = join(import.meta.dirname, '..', '..', '..', '.data', 'screenshots');

/**
 * Waits until the dashboard has loaded or failed; says which, with the start of the status line
 * it shows. A page still loading after the wait says so too, rather than only that it timed out.
 */
async function settled(page: Page): Promise<string> {
  await page.waitForSelector('body[data-state="loaded"], body[data-state="error"]').catch(() => undefined);
  const state = await page.getAttribute('body', 'data-state');
  const status = (await page.textContent('#status')) ?? '';
  return `${state}: ${state === 'loaded' ? status.slice(0, 3) : status}`;
}

t.test('the dashboard loads with data, and the department filter changes the figures', async (t) => {
  const { app, database } = await buildTestStats(t, { now: () => new Date('2026-04-15T10:00:00+08:00') });
  await generateMarch(database.db);
  // Received and accepted in February (no March event, so March's figures stay as generated), reply due in March and never given.
  await generateTicket(database.db, {
    at: bj('2026-02-27 09:00'),
    department: 'housing',
    title: '楼道灯坏了一个月',
    status: 'accepted',
    acceptDeadline: bj('2026-02-27 11:00'),
    replyDeadline: bj('2026-03-12 17:30'),
  });
  await app.statsSummary.refresh('2026-03-01', '2026-03-31');
  const address = await app.listen({ host: '127.0.0.1', port: 0 });

  const plain = await app.inject({ method: 'GET', url: '/dashboard' });
  t.equal(plain.statusCode, 200, 'the page itself is public');
  t.match(plain.headers['content-type'], /text\/html/);
  const echarts = await app.inject({ method: 'GET', url: '/dashboard/echarts.min.js' });
  t.equal(echarts.statusCode, 200, 'ECharts is served by the service');

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
  const outside: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(address) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) outside.push(r.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(`${address}/dashboard?key=dev-manager&from=2026-03-01&to=2026-03-31`);
  t.equal(await settled(page), 'loaded: 已更新');
  t.equal(await page.title(), '12345热线 统计看板');
  t.equal(await page.textContent('#received'), '11');
  t.equal(await page.textContent('#rate-accept'), '85.71%');
  t.equal(await page.textContent('#rate-accept-parts'), '分子/分母 6 / 7');
  t.equal(await page.textContent('#rate-automatic'), '—', 'no decision of the classifier in these tickets: no rate');
  t.equal(await page.textContent('#rate-automatic-parts'), '分子/分母 0 / 0 · 转人工: 把握不足 0 · 字数不足 0 · 无标注类别 0');
  t.equal(await page.textContent('#rate-reply'), '83.33%');
  t.equal(await page.textContent('#rate-resolution'), '60.00%');
  t.equal(await page.textContent('#rate-satisfaction'), '60.00%');
  t.equal(await page.textContent('#score'), '52.00');
  const firstRow = await page.locator('#ranking-table tbody tr').first().locator('td').allTextContents();
  t.same(firstRow.slice(0, 3), ['1', '市住房和城乡建设局', '67.75']);
  const overdueRows = await page.locator('#overdue-table tbody tr').allTextContents();
  t.equal(overdueRows.length, 1, 'the one overdue ticket');
  t.match(overdueRows[0], /楼道灯坏了一个月/);
  t.match(overdueRows[0], /未按时办结/);
  t.match(overdueRows[0], /2026-03-12 17:30/, 'its deadline in Beijing time');
  t.ok(await page.locator('#trend-chart canvas').count(), 'the trend chart is drawn');
  t.ok(await page.locator('#category-chart canvas').count(), 'the category chart is drawn');
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, 'stats-dashboard.png'), fullPage: true });

  await page.selectOption('#department', 'housing');
  t.equal(await settled(page), 'loaded: 已更新');
  await page.waitForFunction("document.querySelector('#rate-accept').textContent === '80.00%'");
  t.equal(await page.textContent('#rate-accept-parts'), '分子/分母 4 / 5', 'housing alone');
  t.equal(await page.textContent('#rate-satisfaction'), '75.00%');
  t.equal(await page.textContent('#received'), '4');
  await page.screenshot({ path: join(screenshots, 'stats-dashboard-housing.png'), fullPage: true });

  // A busy service: the first overview request is answered 503 with Retry-After, as under pressure.
  let refused = 0;
  await page.route('**/v1/stats/overview?*', async (route) => {
    if (refused++ > 0) return route.continue();
    return route.fulfill({
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '1' },
      body: JSON.stringify({ error: { code: 'unavailable', message: 'the service is overloaded; retry in 1 s' } }),
    });
  });
  await page.selectOption('#department', '');
  t.equal(await settled(page), 'loaded: 已更新', 'a 503 is retried after its Retry-After');
  t.equal(refused, 2, 'refused once, then asked again');
  t.equal(await page.textContent('#received'), '11');
  await page.unroute('**/v1/stats/overview?*');

  await page.goto(`${address}/dashboard?key=wrong&from=2026-03-01&to=2026-03-31`);
  await page.waitForSelector('body[data-state="error"]');
  t.match(await page.textContent('#status'), /加载失败/, 'a bad key is shown, not hidden');

  t.same(errors, [], 'no script errors');
  t.same(outside, [], 'nothing is fetched from outside the service');
});
