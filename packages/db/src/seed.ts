import { createHash, randomBytes } from 'node:crypto';
import { categories as catalogueCategories, departments as catalogueDepartments, seedRules } from '@hotline/catalogue';
import type { Role } from '@hotline/domain';
import { sql } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Db } from './client';
import { apiKeys, catalogueVersions, categories, departments } from './schema';

/** Seeds departments and the taxonomy from the data committed in @hotline/catalogue. */
export async function seedCatalogue(db: Db): Promise<void> {
  await db
    .insert(departments)
    .values(catalogueDepartments.map((d) => ({ code: d.code, name: d.name, kind: d.kind, fullPhone: d.fullPhone })))
    .onConflictDoUpdate({
      target: departments.code,
      set: { name: sql`excluded.name`, kind: sql`excluded.kind`, fullPhone: sql`excluded.full_phone` },
    });
  await db
    .insert(categories)
    .values(catalogueCategories.map((c) => ({ code: c.code, name: c.name, level: c.level, parent: c.parent })))
    .onConflictDoUpdate({ target: categories.code, set: { name: sql`excluded.name`, parent: sql`excluded.parent` } });
  await db
    .insert(catalogueVersions)
    .values({ version: 1, rules: seedRules, note: 'seeded catalogue', createdBy: 'seed' })
    .onConflictDoNothing();
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return `hk_${randomBytes(24).toString('base64url')}`;
}

export interface ApiKeyInput {
  key: string;
  name: string;
  role: Role;
  departmentCode?: string | null;
}

/** Stores a key by its hash; an existing key with the same value is left as it is. */
export async function createApiKey(db: Db, input: ApiKeyInput): Promise<string> {
  if ((input.role === 'department') !== Boolean(input.departmentCode)) {
    throw new Error('a department key needs a department, and only a department key has one');
  }
  const id = uuidv7();
  await db
    .insert(apiKeys)
    .values({ id, name: input.name, role: input.role, departmentCode: input.departmentCode ?? null, keyHash: hashApiKey(input.key) })
    .onConflictDoNothing();
  return id;
}

/** The fixed development keys of README: refused when NODE_ENV=production. */
export function developmentKeys(): ApiKeyInput[] {
  return [
    { key: 'dev-agent', name: 'development agent', role: 'agent' },
    { key: 'dev-manager', name: 'development manager', role: 'manager' },
    { key: 'dev-admin', name: 'development admin', role: 'admin' },
    ...catalogueDepartments.map((d) => ({
      key: `dev-dept-${d.code}`,
      name: `development clerk of ${d.name}`,
      role: 'department' as const,
      departmentCode: d.code,
    })),
  ];
}

export async function seedDevelopmentKeys(db: Db): Promise<ApiKeyInput[]> {
  if (process.env.NODE_ENV === 'production') throw new Error('development API keys are refused when NODE_ENV=production');
  const keys = developmentKeys();
  for (const k of keys) await createApiKey(db, k);
  return keys;
}
