import { unlabelledCategoryMention, type Model } from '@hotline/classifier';
import type { StreamNames, TicketEvent } from '@hotline/contracts';
import { appendTicketEventsIfUnchanged, newTicketEvent, type Db } from '@hotline/db';
import { suggest } from './suggest';

export interface ClassifyDeps {
  db: Db;
  names: StreamNames;
  model: Model;
  threshold: number;
}

const system = { role: 'system' as const, id: 'classifier' };

/**
 * Classifies a received ticket: `classified` when the model is confident enough, `triage`
 * for an agent otherwise. Idempotent: a ticket that is no longer `received` (already
 * classified, or answered meanwhile) is left alone, so a redelivered event changes nothing.
 * Nothing here depends on the stored ticket but its status, so one statement does it.
 */
export async function classifyReceived(deps: ClassifyDeps, event: TicketEvent<'received'>): Promise<void> {
  const { ticket: summary } = event.data;
  const ranked = suggest(deps.model, summary.content, summary.title);
  const [top, ...rest] = ranked;
  const ctx = { actor: system, requestId: event.requestId };
  const modelVersion = deps.model.version;
  const patch = {
    categoryCode: top?.categoryCode || null,
    departmentCode: top?.department ?? null,
    confidence: top?.probability ?? 0,
    modelVersion,
  };
  const unlabelled = unlabelledCategoryMention(`${summary.title ?? ''}\n${summary.content}`);
  const confident = !unlabelled && top !== undefined && top.categoryCode !== '' && top.probability >= deps.threshold;
  const next = confident
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
          reason: unlabelled
            ? `mentions "${unlabelled.term}" (${unlabelled.category}), a category the model has no training labels for`
            : top
              ? `model confidence ${top.probability.toFixed(2)} is below the threshold ${deps.threshold}`
              : 'no suggestion',
          suggestion: top ? { category: top.category, probability: top.probability } : null,
          modelVersion,
        },
        ctx,
      );
  await appendTicketEventsIfUnchanged(deps.db, deps.names, { id: event.ticketId, status: 'received' }, [next], patch);
}
