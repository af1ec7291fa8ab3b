import { categories, categoryByName, defaultDepartmentFor, firstLevelCategories } from '@hotline/catalogue';
import type { Classification } from '@hotline/classifier';

export interface Suggestion {
  category: string;
  categoryCode: string;
  department: string | null;
  probability: number;
}

/** A classification in the catalogue's terms: category code and default department. */
export function suggestions(classification: Classification): Suggestion[] {
  return classification.ranked.map((r) => ({
    category: r.category,
    categoryCode: categoryByName(r.category)?.code ?? '',
    department: defaultDepartmentFor(r.category) ?? null,
    probability: r.probability,
  }));
}

/**
 * What an agent chose, a taxonomy code of any level or a first-level name: the code to store
 * on the ticket and the first-level name the model learns from.
 */
export function resolveCategory(codeOrName: string): { code: string; firstLevel: string } | null {
  const byName = categoryByName(codeOrName);
  if (byName) return { code: byName.code, firstLevel: byName.name };
  if (!categories.some((c) => c.code === codeOrName)) return null;
  const first = firstLevelCategories.find((c) => c.code === codeOrName.split('.')[0]);
  return first ? { code: codeOrName, firstLevel: first.name } : null;
}
