import { categoryByName, type DispatchRule } from '@hotline/catalogue';
import { HotlineError, type CatalogueBody, type CatalogueVersion } from '@hotline/contracts';
import { catalogueVersions, departments, type Db } from '@hotline/db';
import { desc, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';

export interface PublishedCatalogue {
  version: number;
  rules: DispatchRule[];
  note: string | null;
  createdBy: string;
  createdAt: Date;
}

export interface FieldProblem {
  field: string;
  message: string;
}

// Publishers queue on this lock so two edits never both take max+1; the relay uses 12_345_001.
const CATALOGUE_LOCK = 12_345_002;

/** The districts of the data as the catalogue must name them (what `locateTicket` returns). */
export const districtNames: readonly string[] = ['A1区', 'A2区', 'A3区', 'A4区', 'A5区', 'A6区', 'A7县', 'A8县', 'A9市'];

/**
 * What is wrong with a set of rules, each problem named by its place (`rules[3].main`): a
 * rule that names an unknown department, category or district would never route anything
 * or route to nobody, so the whole version is refused.
 */
export function catalogueProblems(rules: readonly DispatchRule[], departmentCodes: ReadonlySet<string>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    if (!departmentCodes.has(rule.main)) problems.push({ field: `${at}.main`, message: `unknown department "${rule.main}"` });
    rule.co.forEach((code, j) => {
      if (!departmentCodes.has(code)) problems.push({ field: `${at}.co[${j}]`, message: `unknown department "${code}"` });
    });
    rule.categories?.forEach((name, j) => {
      if (!categoryByName(name)) problems.push({ field: `${at}.categories[${j}]`, message: `"${name}" is not a first-level category name` });
    });
    rule.districts?.forEach((name, j) => {
      if (!districtNames.includes(name)) {
        problems.push({ field: `${at}.districts[${j}]`, message: `"${name}" is not a district (A1区…A6区, A7县, A8县, A9市)` });
      }
    });
  });
  return problems;
}

export function catalogueView(c: PublishedCatalogue): z.infer<typeof CatalogueVersion> {
  return { version: c.version, rules: c.rules, note: c.note, createdBy: c.createdBy, createdAt: c.createdAt.toISOString() };
}

function published(row: typeof catalogueVersions.$inferSelect): PublishedCatalogue {
  return { version: row.version, rules: row.rules as DispatchRule[], note: row.note, createdBy: row.createdBy, createdAt: row.createdAt };
}

/** 派单目录 versions: append-only, the newest routes new dispatches. */
export class CatalogueRepository {
  constructor(private readonly db: Db) {}

  async newest(): Promise<PublishedCatalogue | null> {
    const [row] = await this.db.select().from(catalogueVersions).orderBy(desc(catalogueVersions.version)).limit(1);
    return row ? published(row) : null;
  }

  async find(version: number): Promise<PublishedCatalogue | null> {
    const [row] = await this.db.select().from(catalogueVersions).where(eq(catalogueVersions.version, version));
    return row ? published(row) : null;
  }

  /** Validates the rules against the departments table and stores them as the next version. */
  async publish(body: z.infer<typeof CatalogueBody>, createdBy: string, at: Date): Promise<PublishedCatalogue> {
    const known = new Set((await this.db.select({ code: departments.code }).from(departments)).map((d) => d.code));
    const problems = catalogueProblems(body.rules, known);
    if (problems.length > 0) {
      throw new HotlineError('validation_failed', `invalid ${problems.map((p) => `${p.field} (${p.message})`).join(', ')}`, {
        fields: problems,
      });
    }
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${CATALOGUE_LOCK})`);
      const [last] = await tx.select({ version: sql<number>`coalesce(max(${catalogueVersions.version}), 0)` }).from(catalogueVersions);
      const [row] = await tx
        .insert(catalogueVersions)
        .values({ version: (last?.version ?? 0) + 1, rules: body.rules, note: body.note ?? null, createdBy, createdAt: at })
        .returning();
      if (!row) throw new Error('catalogue version insert returned no row');
      return published(row);
    });
  }
}
