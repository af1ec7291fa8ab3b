import t from 'tap';
import { categories, defaultDepartmentFor, departments, firstLevelCategories } from '../src/index';

t.test('every first-level category has a default department that exists', async (t) => {
  t.equal(firstLevelCategories.length, 15);
  const codes = new Set(departments.map((d) => d.code));
  for (const c of firstLevelCategories) {
    const dept = defaultDepartmentFor(c.name);
    t.ok(dept && codes.has(dept), `${c.name} → ${dept}`);
  }
});

t.test('category codes are unique and parents exist', async (t) => {
  const codes = new Set(categories.map((c) => c.code));
  t.equal(codes.size, categories.length);
  for (const c of categories) if (c.parent) t.ok(codes.has(c.parent), c.code);
});

t.test('department codes are valid NATS subject tokens', async (t) => {
  for (const d of departments) t.match(d.code, /^[a-z0-9-]+$/);
});
