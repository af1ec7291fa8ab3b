import t from 'tap';
import { generateMarch } from './fixtures';
import { admin, agent, buildTestStats, manager } from './helper';

const { app, database } = await buildTestStats(t, { now: () => new Date('2026-04-15T10:00:00+08:00') });
await generateMarch(database.db);

t.test('only managers and admins read the figures', async (t) => {
  const url = '/v1/stats/overview?from=2026-03-01&to=2026-03-31';
  t.equal((await app.inject({ method: 'GET', url })).statusCode, 401);
  const refused = await app.inject({ method: 'GET', url, headers: agent });
  t.equal(refused.statusCode, 403);
  t.equal(refused.json().error.code, 'forbidden');
  t.equal((await app.inject({ method: 'GET', url: '/v1/stats/departments.csv?from=2026-03-01&to=2026-03-31', headers: agent })).statusCode, 403);
  t.equal((await app.inject({ method: 'GET', url, headers: admin })).statusCode, 200);
  t.equal((await app.inject({ method: 'POST', url: '/v1/stats/summary', headers: manager, payload: { from: '2026-03-01', to: '2026-03-02' } })).statusCode, 403);
});

t.test('bad input is a 400 in the one error shape, naming the field', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['missing from', '/v1/stats/overview?to=2026-03-31', /^querystring\.from$/],
    ['malformed date', '/v1/stats/overview?from=2026-13-01&to=2026-03-31', /^querystring\.from$/],
    ['a time, not a date', '/v1/stats/trend?from=2026-03-01T00:00:00Z&to=2026-03-31', /^querystring\.from$/],
    ['from after to', '/v1/stats/overview?from=2026-03-31&to=2026-03-01', /^querystring\.to$/],
    ['too long a period', '/v1/stats/departments?from=2024-01-01&to=2026-03-31', /^querystring\.to$/],
    ['unknown department', '/v1/stats/overview?from=2026-03-01&to=2026-03-31&department=nowhere', /^querystring\.department$/],
    ['unknown category', '/v1/stats/overview?from=2026-03-01&to=2026-03-31&category=99.99', /^querystring\.category$/],
    ['malformed category', '/v1/stats/overview?from=2026-03-01&to=2026-03-31&category=城乡建设', /^querystring\.category$/],
    ['unknown channel', '/v1/stats/overdue?from=2026-03-01&to=2026-03-31&channel=fax', /^querystring\.channel$/],
    ['unknown granularity', '/v1/stats/trend?from=2026-03-01&to=2026-03-31&granularity=hour', /^querystring\.granularity$/],
    ['bad weights', '/v1/stats/departments?from=2026-03-01&to=2026-03-31&weights=30,70', /^querystring\.weights$/],
    ['zero weights', '/v1/stats/departments?from=2026-03-01&to=2026-03-31&weights=0,0,0', /^querystring\.weights$/],
    ['unknown parameter', '/v1/stats/hotspots?from=2026-03-01&to=2026-03-31&colour=red', /^querystring/],
    ['limit too large', '/v1/stats/hotspots?from=2026-03-01&to=2026-03-31&limit=1000', /^querystring\.limit$/],
    ['unknown department, CSV', '/v1/stats/departments.csv?from=2026-03-01&to=2026-03-31&department=nowhere', /^querystring\.department$/],
    // Past 9999-12-31 a date no longer has the YYYY-MM-DD form: this once hung the service.
    ['a date past year 9999', '/v1/stats/overview?from=9999-12-31&to=9999-12-31', /^querystring\.from$/],
    ['a date past 2099, CSV', '/v1/stats/trend.csv?from=2100-01-01&to=2100-01-31', /^querystring\.from$/],
    ['year 0000', '/v1/stats/departments?from=0000-01-01&to=0000-01-31', /^querystring\.from$/],
    ['summary cannot answer a sub-category', '/v1/stats/overview?from=2026-03-01&to=2026-03-31&category=01.02&source=summary', /^querystring\.source$/],
  ];
  for (const [name, url, field] of cases) {
    const res = await app.inject({ method: 'GET', url, headers: manager });
    t.equal(res.statusCode, 400, `${name}: ${res.body}`);
    const { error } = res.json();
    t.equal(error.code, 'validation_failed', name);
    t.ok(
      error.details.fields.some((f: { field: string }) => field.test(f.field)),
      `${name} names ${field}: ${JSON.stringify(error.details.fields)}`,
    );
  }
  const rebuild = await app.inject({ method: 'POST', url: '/v1/stats/summary', headers: admin, payload: { from: '9999-12-31', to: '9999-12-31' } });
  t.equal(rebuild.statusCode, 400, rebuild.body);
  t.ok(rebuild.json().error.details.fields.some((f: { field: string }) => f.field === 'from'), rebuild.body);
  t.equal((await app.inject({ method: 'GET', url: '/v1/stats/overview?from=2026-03-01&to=2026-03-31', headers: manager })).statusCode, 200, 'still answering');
});

t.test('CSV: UTF-8 with a BOM, Chinese headers, the same figures as the JSON', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/v1/stats/departments.csv?from=2026-03-01&to=2026-03-31', headers: manager });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/csv; charset=utf-8/);
  t.match(res.headers['content-disposition'], /attachment; filename="departments-2026-03-01-2026-03-31.csv"/);
  t.same([...res.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the UTF-8 BOM');
  const lines = res.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
  const header = (lines[0] ?? '').split(',');
  t.same(header.slice(0, 4), ['排名', '单位代码', '承办单位', '综合得分']);
  t.equal(lines.length, 30, 'a header and 29 departments');
  const housing = (lines.find((l) => l.includes(',housing,')) ?? '').split(',');
  const col = (name: string) => housing[header.indexOf(name)];
  t.equal(col('承办单位'), '市住房和城乡建设局');
  t.equal(col('排名'), '1');
  t.equal(col('综合得分'), '67.75');
  t.equal(col('应签收'), '5');
  t.equal(col('及时签收'), '4');
  t.equal(col('签收及时率(%)'), '80');
  t.equal(col('满意率(%)'), '75');
  t.equal(col('满意度得分'), '65');

  const overview = await app.inject({ method: 'GET', url: '/v1/stats/overview.csv?from=2026-03-01&to=2026-03-31', headers: manager });
  t.match(overview.body, /三率,签收及时率,,6,7,85.71\r\n/);
  t.match(overview.body, /三率,按时办结率,,5,6,83.33\r\n/);
  t.match(overview.body, /工单量,受理,11,,,\r\n/);

  for (const path of ['trend', 'overdue', 'hotspots']) {
    const r = await app.inject({ method: 'GET', url: `/v1/stats/${path}.csv?from=2026-03-01&to=2026-03-31`, headers: manager });
    t.equal(r.statusCode, 200, path);
    t.ok(r.body.startsWith('\uFEFF'), `${path} has a BOM`);
  }
  const trend = await app.inject({ method: 'GET', url: '/v1/stats/trend.csv?from=2026-03-01&to=2026-03-31&granularity=week', headers: manager });
  t.match(trend.body, /\r\n2026-03-02,9,6,1,1,1,,83.33,/);
});

t.test('the OpenAPI document lists the statistics routes', async (t) => {
  const paths = Object.keys((await app.inject({ method: 'GET', url: '/docs/json' })).json().paths);
  for (const p of ['overview', 'departments', 'trend', 'overdue', 'hotspots']) {
    t.ok(paths.includes(`/v1/stats/${p}`), p);
    t.ok(paths.includes(`/v1/stats/${p}.csv`), `${p}.csv`);
  }
});
