/**
 * pnpm api-key --role <agent|manager|admin|department> --name <who> [--department <code>]
 *
 * Creates an API key in DATABASE_URL and prints it once; only its hash is stored.
 */
import { parseArgs } from 'node:util';
import { createApiKey, createDatabase, departments, generateApiKey } from '@hotline/db';
import { eq } from 'drizzle-orm';
import { roles, type Role } from '@hotline/domain';

const { values } = parseArgs({
  options: { role: { type: 'string' }, name: { type: 'string' }, department: { type: 'string' } },
  strict: true,
});
const role = values.role as Role | undefined;
if (!role || !roles.includes(role) || !values.name) {
  console.error(`usage: pnpm api-key --role <${roles.join('|')}> --name <who> [--department <code>]`);
  process.exit(2);
}
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hotline';
const database = createDatabase(url, { max: 1 });
try {
  if (values.department) {
    const [known] = await database.db.select().from(departments).where(eq(departments.code, values.department));
    if (!known) throw new Error(`no department "${values.department}"; the codes are in packages/catalogue/data/departments.json`);
  }
  const key = generateApiKey();
  await createApiKey(database.db, { key, name: values.name, role, departmentCode: values.department ?? null });
  console.log(key);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  await database.close();
}
