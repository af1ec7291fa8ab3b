import type { Classification, Model } from '@hotline/classifier';
import type { StreamNames, TicketEvent } from '@hotline/contracts';
import { appendToTicketsIfUnchanged, newTicketEvent, type Db, type TicketChange } from '@hotline/db';
import { routing, type RoutingRules } from './routing';
import { suggestions } from './suggest';

export interface ClassifyDeps {
  db: Db;
  names: StreamNames;
  model: Model;
  rules: RoutingRules;
}

const system = { role: 'system' as const, id: 'classifier' };

/**
 * Classifies received tickets: `classified` when the model is confident enough, `triage` for
 * an agent otherwise. Idempotent: a ticket that is no longer `received` (already classified,
 * or answered meanwhile) is left alone, so a redelivered event changes nothing. Nothing here
 * depends on the stored tickets but their status, so one statement writes them all.
 */
export async function classifyReceived(deps: ClassifyDeps, events: TicketEvent<'received'>[]): Promise<void> {
  // A redelivered event can arrive beside the first delivery; one is enough.
  const unique = [...new Map(events.map((e) => [e.ticketId, e])).values()];
  const classifications = deps.model.classifyMany(unique.map((e) => ({ text: e.data.ticket.content, title: e.data.ticket.title })));
  const changes = unique.map((event, i) => decide(deps, event, classifications[i] as Classification));
  await appendToTicketsIfUnchanged(deps.db, deps.names, changes);
}

/** The ticket's classification or triage, as a change to write if it is still received. */
function decide(deps: ClassifyDeps, event: TicketEvent<'received'>, classification: Classification): TicketChange {
  const { ticket: summary } = event.data;
  const [top, ...rest] = suggestions(classification);
  const ctx = { actor: system, requestId: event.requestId };
  const modelVersion = deps.model.version;
  const patch = {
    categoryCode: top?.categoryCode || null,
    departmentCode: top?.department ?? null,
    confidence: top?.probability ?? 0,
    modelVersion,
  };
  const route = routing(summary.content, summary.title ?? undefined, classification, deps.rules);
  const next = route.automatic && top?.categoryCode
    ? newTicketEvent(
        event.ticketId,
        'classified',
        {
          categoryCode: top.categoryCode,
          categoryName: top.category,
          department: top.department,
          confidence: top.probability,
          modelVersion,
          alternatives: rest.slice(0, 2).map((s) => ({ category: s.category, probability: s.probability })),
        },
        ctx,
      )
    : newTicketEvent(
        event.ticketId,
        'triaged',
        {
          reason: route.automatic ? `no catalogue category for "${top?.category}"` : route.reason,
          cause: route.automatic ? 'no_catalogue_category' : route.cause,
          suggestion: top ? { category: top.category, probability: top.probability } : null,
          modelVersion,
          department: top?.department ?? null,
        },
        ctx,
      );
  return { expected: { id: event.ticketId, status: 'received' }, events: [next], patch };
}
