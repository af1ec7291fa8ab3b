import departmentsData from '../data/departments.json' with { type: 'json' };
import rulesData from '../data/rules.json' with { type: 'json' };
import taxonomyData from '../data/taxonomy.json' with { type: 'json' };

export * from './locate';
export * from './route';

/** 承办单位: who a ticket can be dispatched to. */
export type DepartmentKind = 'functional' | 'district' | 'street' | 'utility';
export interface Department {
  code: string;
  name: string;
  kind: DepartmentKind;
  /** Whether dispatch payloads may carry the caller's whole phone number. */
  fullPhone: boolean;
}

/** One node of the public three-level taxonomy; codes are dotted ("01", "01.02", "01.02.03"). */
export interface Category {
  code: string;
  name: string;
  level: 1 | 2 | 3;
  parent: string | null;
}

/**
 * One line of the dispatch catalogue (派单目录): every condition given must hold (category
 * first-level name, district, any keyword in the title or content); the first rule that
 * matches names the main department (主办) and the co-handling ones (协办).
 */
export interface DispatchRule {
  name: string;
  categories?: string[];
  districts?: string[];
  keywords?: string[];
  main: string;
  co: string[];
}

export const departments: readonly Department[] = departmentsData as Department[];
export const categories: readonly Category[] = taxonomyData as Category[];
export const firstLevelCategories: readonly Category[] = categories.filter((c) => c.level === 1);
/** The seeded catalogue, version 1; managers publish later versions through the API. */
export const seedRules: readonly DispatchRule[] = rulesData as DispatchRule[];

export function categoryByName(name: string): Category | undefined {
  return firstLevelCategories.find((c) => c.name === name);
}

/** The seeded catalogue's category default for a first-level category: its main department. */
export function defaultDepartmentFor(categoryName: string): string | undefined {
  return seedRules.find((r) => !r.districts && !r.keywords && r.categories?.length === 1 && r.categories[0] === categoryName)?.main;
}
