import { HotlineError, type StreamNames, type TicketEvent, type TicketEventType, type EventDataMap } from '@hotline/contracts';
import { applyEvent, IllegalTransitionError, type Actor, type TicketStatus } from '@hotline/domain';
import { and, eq } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from './client';
import { outbox, ticketEvents, tickets, type NewTicketRow } from './schema';

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
  const updated = await tx
    .update(tickets)
    .set({ ...patch, status, version: ticket.version + events.length, updatedAt: new Date(events.at(-1)?.occurredAt ?? Date.now()) })
    .where(and(eq(tickets.id, ticket.id), eq(tickets.version, ticket.version)))
    .returning({ id: tickets.id });
  if (updated.length === 0) throw new HotlineError('conflict', 'the ticket was changed by someone else; reload and try again');
  await insertEvents(tx, subjects, events, ticket.version, extra);
  return status;
}

/** Writes history rows and outbox rows; used as is for a ticket's first event. */
export async function insertEvents(
  tx: Tx,
  subjects: StreamNames,
  events: TicketEvent[],
  firstSeq: number,
  extra: OutboxMessage[] = [],
): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(ticketEvents).values(
    events.map((e, i) => ({
      id: e.id,
      ticketId: e.ticketId,
      seq: firstSeq + i,
      type: e.type,
      occurredAt: new Date(e.occurredAt),
      actorRole: e.actor.role,
      actorId: e.actor.id,
      requestId: e.requestId,
      data: e.data,
    })),
  );
  await tx
    .insert(outbox)
    .values([...events.map((e) => ({ id: e.id, subject: subjects.ticketSubject(e.type), payload: e })), ...extra]);
}
