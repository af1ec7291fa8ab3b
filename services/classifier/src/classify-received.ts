import { unlabelledCategoryMention, type Model } from '@hotline/classifier';
import type { StreamNames, TicketEvent } from '@hotline/contracts';
import { appendTicketEvents, newTicketEvent, tickets, type Db } from '@hotline/db';
import type { TicketStatus } from '@hotline/domain';
import { eq } from 'drizzle-orm';
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
 */
export async function classifyReceived(deps: ClassifyDeps, event: TicketEvent<'received'>): Promise<void> {
  const { ticket: summary } = event.data;
  const ranked = suggest(deps.model, summary.content, summary.title);
  await deps.db.transaction(async (tx) => {
    const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, event.ticketId)).for('update');
    if (!ticket || ticket.status !== 'received') return;
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
          ticket.id,
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
          ticket.id,
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
    await appendTicketEvents(tx, deps.names, { id: ticket.id, status: ticket.status as TicketStatus, version: ticket.version }, [next], patch);
  });
}
