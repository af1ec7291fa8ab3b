import t from 'tap';
import { departments, firstLevelCategories, locateTicket, routeTicket, seedRules, districtDepartment } from '../src/index';

const route = (category: string | null, district: string | null, content: string) => routeTicket(seedRules, { category, district, title: '', content });

t.test('the seeded catalogue names only real departments and routes every first-level category', async (t) => {
  const codes = new Set(departments.map((d) => d.code));
  for (const rule of seedRules) {
    t.ok(codes.has(rule.main), `${rule.name}: ${rule.main}`);
    for (const c of rule.co) t.ok(codes.has(c), `${rule.name}: co ${c}`);
  }
  for (const c of firstLevelCategories) t.ok(route(c.name, null, '一般诉求'), `${c.name} has a default`);
  t.equal(route(null, null, '没有分类的诉求'), null, 'no category and no keyword: no route');
});

t.test('keyword rules before district rules before category defaults', async (t) => {
  t.match(route('城乡建设', 'A3区', '小区已经停水三天了'), { main: 'water', co: [] });
  t.match(route('城乡建设', 'A3区', '小区物业乱收费'), { main: 'a3', co: ['housing'] });
  t.match(route('城乡建设', null, '小区物业乱收费'), { main: 'housing', co: [] });
  t.match(route('环境保护', 'A5区', '工地夜间施工噪音扰民'), { main: 'urban-management', co: ['ecology'] });
  t.match(route('商贸旅游', 'A1区', '景区门票乱收费'), { main: 'culture-tourism', co: ['market'] });
  t.match(route('商贸旅游', 'A1区', '超市卖过期食品'), { main: 'market' });
});

t.test('属地: district and street from the fields, else from the text', async (t) => {
  t.same(locateTicket({ district: 'A3区', street: '西湖街道' }, ''), { district: 'A3区', street: '西湖街道' });
  t.same(locateTicket({ district: 'a7' }, ''), { district: 'A7县', street: null });
  t.same(locateTicket({}, 'A市A3区西湖街道某小区门口垃圾堆积'), { district: 'A3区', street: '西湖街道' });
  t.same(locateTicket({}, '我住在A7县榔梨镇，村里道路坑洼'), { district: 'A7县', street: '榔梨镇' });
  t.same(locateTicket({}, 'A9市民反映公交问题'), { district: null, street: null }, '"A9市民" is a citizen, not a place');
  t.same(locateTicket({}, '没有地点的诉求'), { district: null, street: null });
  t.equal(districtDepartment('A3区'), 'a3');
  t.equal(districtDepartment(null), null);
});
