import { HotlineError, type StreamNames, type TicketEvent, type TicketEventType, type EventDataMap } from '@hotline/contracts';
import { applyEvent, IllegalTransitionError, type Actor, type TicketStatus } from '@hotline/domain';
import { and, eq } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from './client';
import { outbox, ticketEvents, tickets, type NewTicketRow, type TicketEventRow } from './schema';

export interface EventContext {
  actor: Actor;
  requestId: string | null;
  at?: Date;
}

export function newTicketEvent<K extends TicketEventType>(
  ticketId: string,
  type: K,
  data: EventDataMap[K],
  ctx: EventContext,
): TicketEvent<K> {
  return {
    id: uuidv7(),
    type,
    ticketId,
    occurredAt: (ctx.at ?? new Date()).toISOString(),
    actor: ctx.actor,
    requestId: ctx.requestId,
    data,
  } as TicketEvent<K>;
}

/** A message published through the outbox besides the ticket event itself (e.g. dispatch). */
export interface OutboxMessage {
  id: string;
  subject: string;
  payload: unknown;
}

export interface TicketVersion {
  id: string;
  status: TicketStatus;
  version: number;
}

/**
 * Appends events to a ticket inside the caller's transaction: checks each transition
 * against the state machine, writes the history rows and their outbox rows, and moves the
 * ticket's projection on, guarded by its version so a concurrent writer gets a 409
 * instead of a lost update.
 */
export async function appendTicketEvents(
  tx: Tx,
  subjects: StreamNames,
  ticket: TicketVersion,
  events: TicketEvent[],
  patch: Partial<NewTicketRow> = {},
  extra: OutboxMessage[] = [],
): Promise<TicketStatus> {
  let status = ticket.status;
  for (const e of events) {
    try {
      status = applyEvent(status, e.type);
    } catch (err) {
      if (err instanceof IllegalTransitionError) {
        throw new HotlineError('illegal_transition', `a ticket that is ${err.from} cannot take "${err.event}"`, {
          status: err.from,
          event: err.event,
        });
      }
      throw err;
    }
  }
  // The update and the inserts go out pipelined on the transaction's connection; the
  // version guard is judged first, so a concurrent writer is a 409 whatever else failed.
  const [updated, inserted] = await Promise.allSettled([
    tx
      .update(tickets)
      .set({ ...patch, status, version: ticket.version + events.length, updatedAt: new Date(events.at(-1)?.occurredAt ?? Date.now()) })
      .where(and(eq(tickets.id, ticket.id), eq(tickets.version, ticket.version)))
      .returning({ id: tickets.id })
      .execute(),
    insertEvents(tx, subjects, events, ticket.version, extra),
  ]);
  if (updated.status === 'rejected') throw updated.reason;
  if (updated.value.length === 0) throw new HotlineError('conflict', 'the ticket was changed by someone else; reload and try again');
  if (inserted.status === 'rejected') throw inserted.reason;
  return status;
}

/** Writes history rows and outbox rows; used as is for a ticket's first event. */
function eventRows(events: TicketEvent[], firstSeq: number): TicketEventRow[] {
  return events.map((e, i) => ({
    id: e.id,
    ticketId: e.ticketId,
    seq: firstSeq + i,
    type: e.type,
    occurredAt: new Date(e.occurredAt),
    actorRole: e.actor.role,
    actorId: e.actor.id,
    requestId: e.requestId,
    data: e.data,
  }));
}

function outboxRows(subjects: StreamNames, events: TicketEvent[], extra: OutboxMessage[]) {
  return [...events.map((e) => ({ id: e.id, subject: subjects.ticketSubject(e.type), payload: e })), ...extra];
}

export async function insertEvents(
  tx: Tx,
  subjects: StreamNames,
  events: TicketEvent[],
  firstSeq: number,
  extra: OutboxMessage[] = [],
): Promise<TicketEventRow[]> {
  if (events.length === 0) return [];
  const rows = eventRows(events, firstSeq);
  // Sent together: postgres.js pipelines the two statements on the transaction's connection.
  await Promise.all([tx.insert(ticketEvents).values(rows), tx.insert(outbox).values(outboxRows(subjects, events, extra))]);
  return rows;
}

/**
 * The history and outbox inserts of `events` as common table expressions, for a statement
 * that writes a new ticket and its first events at once: one statement is atomic on its own
 * and costs one round trip instead of a transaction's five.
 */
export function eventInsertCtes(db: Db | Tx, subjects: StreamNames, events: TicketEvent[], firstSeq: number) {
  const rows = eventRows(events, firstSeq);
  const ctes = [
    db.$with('new_events', {}).as(db.insert(ticketEvents).values(rows).getSQL()),
    db.$with('new_outbox', {}).as(db.insert(outbox).values(outboxRows(subjects, events, [])).getSQL()),
  ];
  return { rows, ctes };
}
