import { supervisionCases } from '@hotline/db';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { bj, buildTestStats, generateTicket, manager, step as s } from './helper';

const now = new Date('2026-03-20T12:00:00+08:00');
const { app, database } = await buildTestStats(t, { now: () => now });
const db = database.db;
const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url, headers: manager });
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json();
};

t.test('overdue list: open tickets past their accept or reply deadline; 督办 cases of the period', async (t) => {
  const H = 'housing';
  const U = 'urban-management';
  const dispatched = (department: string, at: string) => [s.dispatched(at, department, '2026-03-19 10:00', '2026-04-01 17:30')];
  const o1 = await generateTicket(db, {
    at: bj('2026-03-19 08:00'),
    department: H,
    status: 'dispatched',
    acceptDeadline: bj('2026-03-19 10:00'),
    replyDeadline: bj('2026-04-01 17:30'),
    steps: dispatched(H, '2026-03-19 08:00'),
  });
  await generateTicket(db, {
    at: bj('2026-03-05 08:00'),
    department: H,
    title: '路灯不亮',
    status: 'accepted',
    acceptDeadline: bj('2026-03-05 10:00'),
    replyDeadline: bj('2026-03-18 17:30'),
  });
  await generateTicket(db, { at: bj('2026-03-01 08:00'), department: H, status: 'replied', replyDeadline: bj('2026-03-10 17:30') });
  await generateTicket(db, { at: bj('2026-03-20 11:00'), department: H, status: 'dispatched', acceptDeadline: bj('2026-03-21 10:00') });
  const o5 = await generateTicket(db, {
    at: bj('2026-03-01 08:00'),
    department: U,
    district: 'A3区',
    status: 'accepted',
    acceptDeadline: bj('2026-03-02 10:00'),
    replyDeadline: bj('2026-03-15 17:30'),
  });
  await db.insert(supervisionCases).values([
    { id: uuidv7(), ticketId: o1.id, departmentCode: H, reason: 'overdue_accept', createdAt: new Date(bj('2026-03-19 10:00')) },
    { id: uuidv7(), ticketId: o5.id, departmentCode: U, reason: 'overdue_reply', createdAt: new Date(bj('2026-03-15 17:30')), resolvedAt: now, resolvedBy: 'manager' },
    { id: uuidv7(), ticketId: o5.id, departmentCode: U, reason: 'returned_twice', createdAt: new Date(bj('2026-02-27 09:00')) },
  ]);

  const all = await get('/v1/stats/overdue?from=2026-03-01&to=2026-03-31');
  t.equal(all.asOf, now.toISOString());
  t.equal(all.overdue.total, 3);
  t.same(
    all.overdue.items.map((i: { number: string; deadline: string; department: string; departmentName: string; overdueHours: number }) => [
      i.deadline,
      i.department,
      i.overdueHours,
    ]),
    [
      ['reply', U, 114.5],
      ['reply', H, 42.5],
      ['accept', H, 26],
    ],
    'oldest deadline first; a replied ticket and a deadline still ahead are not listed',
  );
  t.same(
    all.overdue.items.map((i: { due: string }) => i.due),
    ['2026-03-15T17:30:00.000+08:00', '2026-03-18T17:30:00.000+08:00', '2026-03-19T10:00:00.000+08:00'],
    'deadlines in Beijing time, as the dashboard and the CSV show them',
  );
  t.same(
    all.supervision.items.map((c: { createdAt: string }) => c.createdAt),
    ['2026-03-19T10:00:00.000+08:00', '2026-03-15T17:30:00.000+08:00'],
  );
  t.equal(all.overdue.items[1].title, '路灯不亮');
  t.equal(all.overdue.items[0].departmentName, '市城市管理局');
  t.equal(all.supervision.total, 2, 'the February case is outside the period');
  t.equal(all.supervision.open, 1);
  t.same(
    all.supervision.items.map((c: { reason: string; reasonName: string; resolvedAt: string | null }) => [c.reason, c.reasonName, c.resolvedAt !== null]),
    [
      ['overdue_accept', '超期未签收', false],
      ['overdue_reply', '超期未办结', true],
    ],
    'open cases first',
  );

  const housing = await get('/v1/stats/overdue?from=2026-03-01&to=2026-03-31&department=housing');
  t.equal(housing.overdue.total, 2);
  t.equal(housing.supervision.total, 1);
  const early = await get('/v1/stats/overdue?from=2026-03-01&to=2026-03-16');
  t.equal(early.overdue.total, 1, 'deadlines that fell in the period');
  const a3 = await get('/v1/stats/overdue?from=2026-03-01&to=2026-03-31&district=A3%E5%8C%BA&limit=1');
  t.equal(a3.overdue.items.length, 1);

  const csv = await app.inject({ method: 'GET', url: '/v1/stats/overdue.csv?from=2026-03-01&to=2026-03-31', headers: manager });
  t.match(csv.body, /超期,\d{8}-\d{6},路灯不亮,市住房和城乡建设局,,办结,2026-03-18T17:30:00.000\+08:00,42.5,/);
  t.match(csv.body, /督办,\d{8}-\d{6},小区夜间施工噪音扰民,市住房和城乡建设局,,超期未签收,2026-03-19T10:00:00.000\+08:00,,/);
});

t.test('hot spots: places and topics that rose most, near-identical appeals grouped', async (t) => {
  const place = { district: 'A1区', street: '幸福街道', category: '01.02.14' };
  const rubbish = [
    '幸福小区垃圾清运不及时，垃圾桶满了好几天没人清理，气味很大，请尽快处理。',
    '幸福小区垃圾清运不及时，垃圾桶满了好几天都没人清理，气味很大，请尽快处理！',
    '幸福小区的垃圾清运不及时，垃圾桶满了好几天没人清理，气味很大，请尽快处理。',
    '幸福小区垃圾清运不及时，垃圾桶已满好几天没人清理，气味很大，请尽快处理。',
  ];
  for (const [i, content] of rubbish.entries()) {
    await generateTicket(db, { ...place, at: bj(`2026-03-0${i + 2} 09:00`), title: '垃圾清运不及时', content });
  }
  await generateTicket(db, { ...place, at: bj('2026-03-06 09:00'), title: '路面破损', content: '幸福街道主干道路面破损严重，车辆通行颠簸，雨天积水。' });
  await generateTicket(db, { ...place, at: bj('2026-02-25 09:00'), title: '垃圾清运不及时', content: rubbish[0] });
  for (const day of ['2026-02-23', '2026-02-24']) await generateTicket(db, { district: 'A2区', category: '02.01.01', at: bj(`${day} 09:00`) });
  await generateTicket(db, { district: 'A2区', category: '02.01.01', at: bj('2026-03-03 09:00') });

  const h = await get('/v1/stats/hotspots?from=2026-03-01&to=2026-03-07');
  t.same(h.previous, { from: '2026-02-22', to: '2026-02-28', days: 7 });
  const top = h.places[0];
  t.same(
    { key: top.key, current: top.current, previous: top.previous, increase: top.increase, growth: top.growth },
    { key: 'A1区 幸福街道', current: 5, previous: 1, increase: 4, growth: 4 },
  );
  t.equal(top.examples[0].count, 4, 'the four near-identical rubbish complaints are one example');
  t.equal(top.examples[0].title, '垃圾清运不及时');
  t.equal(top.examples[0].numbers.length, 4);
  t.equal(top.examples[1].count, 1);
  t.notOk(h.places.some((p: { key: string }) => p.key === 'A2区'), 'a place that fell is not a hot spot');
  const topic = h.topics.find((p: { key: string }) => p.key === '01.02.14');
  t.equal(topic.name, '城乡建设 / 城市建设和市政管理 / 环境卫生');
  t.equal(topic.increase, 4);

  const csv = await app.inject({ method: 'GET', url: '/v1/stats/hotspots.csv?from=2026-03-01&to=2026-03-07', headers: manager });
  t.match(csv.body, /地点,A1区 幸福街道,5,1,4,400,/);
  t.match(csv.body, /垃圾清运不及时（4件）/);
});
