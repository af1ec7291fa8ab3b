import { HotlineError, notFound, type StreamNames } from '@hotline/contracts';
import { appendTicketEvents, newTicketEvent, tickets, type Db, type EventContext, type TicketRow } from '@hotline/db';
import { appealText, canApply, DUPLICATE_THRESHOLD, isFinal, openStatuses, similarityTo, type TicketStatus } from '@hotline/domain';
import { and, asc, desc, eq, gte, inArray, isNull, lte, ne, or, type SQL } from 'drizzle-orm';

/** How far apart in time two appeals may be and still be one matter (并单). */
export const DUPLICATE_WINDOW_DAYS = 30;
/** Most similar tickets returned; an agent reads them all before merging. */
export const MAX_SIMILAR = 10;
/**
 * Candidates read per kind (same caller, same place), newest first: bounds the scoring
 * work on a busy district, where hundreds of open tickets in a month are normal.
 */
const MAX_CANDIDATES = 300;

export interface SimilarTicketRow {
  ticket: TicketRow;
  score: number;
  sameCaller: boolean;
  samePlace: boolean;
}

function sameCaller(a: TicketRow, b: TicketRow): boolean {
  return a.callerPhone !== null && a.callerPhone === b.callerPhone;
}

/**
 * Same district, and the same street unless either ticket has none: agents often leave
 * the street empty, and a ticket without one may well be about the same place.
 */
function samePlace(a: TicketRow, b: TicketRow): boolean {
  if (a.district === null || a.district !== b.district) return false;
  return a.street === null || b.street === null || a.street === b.street;
}

export class DuplicateRepository {
  constructor(
    private readonly db: Db,
    private readonly names: StreamNames,
  ) {}

  /**
   * Open tickets from the same caller or about the same place, created within the window
   * around this ticket, whose text is near-identical to its own; best first. The database
   * narrows by indexed columns; the texts are compared here.
   */
  async similar(id: string): Promise<SimilarTicketRow[]> {
    const [ticket] = await this.db.select().from(tickets).where(eq(tickets.id, id));
    if (!ticket) throw notFound('ticket');
    const windowMs = DUPLICATE_WINDOW_DAYS * 86_400_000;
    const base = [
      ne(tickets.id, ticket.id),
      // Merged tickets are final, so this also leaves out the ones already merged.
      inArray(tickets.status, [...openStatuses]),
      gte(tickets.createdAt, new Date(ticket.createdAt.getTime() - windowMs)),
      lte(tickets.createdAt, new Date(ticket.createdAt.getTime() + windowMs)),
    ];
    const place: SQL[] = [];
    if (ticket.district !== null) {
      place.push(eq(tickets.district, ticket.district));
      if (ticket.street !== null) place.push(or(eq(tickets.street, ticket.street), isNull(tickets.street)) as SQL);
    }
    const [byCaller, byPlace] = await Promise.all([
      ticket.callerPhone ? this.candidates([...base, eq(tickets.callerPhone, ticket.callerPhone)]) : [],
      place.length > 0 ? this.candidates([...base, ...place]) : [],
    ]);
    const candidates = new Map<string, TicketRow>();
    for (const row of [...byCaller, ...byPlace]) candidates.set(row.id, row);

    const score = similarityTo(appealText(ticket.title, ticket.content));
    return [...candidates.values()]
      .map((candidate) => ({
        ticket: candidate,
        score: score(appealText(candidate.title, candidate.content)),
        sameCaller: sameCaller(ticket, candidate),
        samePlace: samePlace(ticket, candidate),
      }))
      .filter((s) => s.score >= DUPLICATE_THRESHOLD)
      // Ties go to the older ticket: it is the one the others would be merged into.
      .sort((a, b) => b.score - a.score || a.ticket.createdAt.getTime() - b.ticket.createdAt.getTime())
      .slice(0, MAX_SIMILAR);
  }

  private candidates(where: SQL[]): Promise<TicketRow[]> {
    return this.db
      .select()
      .from(tickets)
      .where(and(...where))
      .orderBy(desc(tickets.createdAt))
      .limit(MAX_CANDIDATES);
  }

  /**
   * 并单: the duplicate takes `merged` (and points at the target), the target gets a note
   * naming it, both in one transaction, so neither history shows the merge without the
   * other. The target stays as it is and is answered once for both callers.
   */
  async merge(id: string, into: string, ctx: EventContext): Promise<TicketRow> {
    if (id === into) throw new HotlineError('conflict', 'a ticket cannot be merged into itself');
    await this.db.transaction(async (tx) => {
      // Locked in id order, so that two merges of the same pair in opposite directions cannot deadlock.
      const rows = await tx
        .select()
        .from(tickets)
        .where(inArray(tickets.id, [id, into]))
        .orderBy(asc(tickets.id))
        .for('update');
      const duplicate = rows.find((r) => r.id === id);
      const target = rows.find((r) => r.id === into);
      if (!duplicate) throw notFound('ticket');
      if (!target) throw new HotlineError('not_found', `ticket to merge into (${into}) not found`);
      const status = duplicate.status as TicketStatus;
      if (!canApply(status, 'merged')) {
        throw new HotlineError(
          'illegal_transition',
          `ticket ${duplicate.number} is ${status}; only a ticket not yet dispatched (received, triage or classified) can be merged`,
          { status, event: 'merged' },
        );
      }
      // Its own duplicates would point at a merged ticket, and their callers would be called back
      // about neither. Locking the duplicate above serialises this with merges into it.
      const [mergedIntoDuplicate] = await tx.select({ number: tickets.number }).from(tickets).where(eq(tickets.mergedInto, duplicate.id)).limit(1);
      if (mergedIntoDuplicate) {
        throw new HotlineError(
          'conflict',
          `ticket ${duplicate.number} has duplicates merged into it (${mergedIntoDuplicate.number}); merge ticket ${target.number} into ${duplicate.number} instead`,
        );
      }
      const targetStatus = target.status as TicketStatus;
      if (targetStatus === 'merged') {
        throw new HotlineError('conflict', `ticket ${target.number} is itself merged into another ticket (${target.mergedInto}); merge into that one`);
      }
      if (isFinal(targetStatus)) {
        throw new HotlineError('conflict', `ticket ${target.number} is ${targetStatus}; a duplicate can only be merged into an open ticket`);
      }
      const at = ctx.at ?? new Date();
      await appendTicketEvents(
        tx,
        this.names,
        { id: duplicate.id, status, version: duplicate.version },
        [newTicketEvent(duplicate.id, 'merged', { into: target.id }, { ...ctx, at })],
        { mergedInto: target.id },
      );
      await appendTicketEvents(tx, this.names, { id: target.id, status: targetStatus, version: target.version }, [
        newTicketEvent(target.id, 'noted', { note: `并单: ticket ${duplicate.number} merged into this` }, { ...ctx, at }),
      ]);
    });
    const [merged] = await this.db.select().from(tickets).where(eq(tickets.id, id));
    if (!merged) throw notFound('ticket');
    return merged;
  }
}
