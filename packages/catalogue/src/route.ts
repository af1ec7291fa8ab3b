import type { DispatchRule } from './index';

export interface RoutingInput {
  /** First-level category name (城乡建设), if known. */
  category: string | null;
  district: string | null;
  title: string;
  content: string;
}

export interface Routing {
  main: string;
  co: string[];
  rule: string;
}

/** First match wins; rules are checked in the order the catalogue lists them. */
export function routeTicket(rules: readonly DispatchRule[], input: RoutingInput): Routing | null {
  const text = `${input.title}\n${input.content}`;
  for (const rule of rules) {
    if (rule.categories && !(input.category && rule.categories.includes(input.category))) continue;
    if (rule.districts && !(input.district && rule.districts.includes(input.district))) continue;
    if (rule.keywords && !rule.keywords.some((k) => text.includes(k))) continue;
    return { main: rule.main, co: rule.co.filter((c) => c !== rule.main), rule: rule.name };
  }
  return null;
}
