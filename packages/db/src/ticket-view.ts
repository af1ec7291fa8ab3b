import type { TicketBody } from '@hotline/contracts';
import { maskPhone, type Role } from '@hotline/domain';
import { and, asc, eq, lt } from 'drizzle-orm';
import type { Db, Tx } from './client';
import { ticketEvents, type TicketEventRow, type TicketRow } from './schema';

/**
 * The events `ticket` as read reflects (seq below its version: every event moves the version
 * on), so a ticket and the history shown with it agree even when an event lands between the
 * two reads.
 */
export function ticketHistory(db: Db | Tx, ticket: Pick<TicketRow, 'id' | 'version'>): Promise<TicketEventRow[]> {
  return db
    .select()
    .from(ticketEvents)
    .where(and(eq(ticketEvents.ticketId, ticket.id), lt(ticketEvents.seq, ticket.version)))
    .orderBy(asc(ticketEvents.seq));
}

/** Roles that see the caller's whole phone number; everyone else sees 138****1234. */
export const fullPhoneRoles: readonly Role[] = ['agent', 'admin'];

/**
 * The API's view of a ticket; `wholePhone` false masks the caller's number. With
 * `withholdAnonymous` (a department reading), an anonymous caller's name is withheld and the
 * number masked, here and in the history, as in the department's dispatch message.
 */
export function ticketView(row: TicketRow, wholePhone: boolean, history?: TicketEventRow[], withholdAnonymous = false): TicketBody {
  const withheld = withholdAnonymous && row.callerAnonymous;
  const phone = row.callerPhone && (withheld || !wholePhone) ? maskPhone(row.callerPhone) : row.callerPhone;
  return {
    id: row.id,
    number: row.number,
    status: row.status as TicketBody['status'],
    channel: row.channel as TicketBody['channel'],
    type: row.type as TicketBody['type'],
    urgency: row.urgency as TicketBody['urgency'],
    caller: { name: withheld ? null : row.callerName, phone, anonymous: row.callerAnonymous },
    title: row.title,
    content: row.content,
    location: {
      district: row.district,
      street: row.street,
      address: row.address,
      latitude: row.latitude,
      longitude: row.longitude,
    },
    category: row.categoryCode,
    department: row.departmentCode,
    coDepartments: row.coDepartments,
    confidence: row.confidence,
    modelVersion: row.modelVersion,
    catalogueVersion: row.catalogueVersion,
    dispatchedAt: row.dispatchedAt?.toISOString() ?? null,
    acceptedAt: row.acceptedAt?.toISOString() ?? null,
    acceptDeadline: row.acceptDeadline?.toISOString() ?? null,
    replyDeadline: row.replyDeadline?.toISOString() ?? null,
    mergedInto: row.mergedInto,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(history
      ? {
          history: history.map((e) => ({
            id: e.id,
            seq: e.seq,
            type: e.type,
            occurredAt: e.occurredAt.toISOString(),
            actor: { role: e.actorRole, id: e.actorId },
            data: withheld ? withoutCallerName(e.data as Record<string, unknown>) : (e.data as Record<string, unknown>),
          })),
        }
      : {}),
  };
}

/** An event's data with the caller's name of its ticket summary (the `received` event's) removed. */
function withoutCallerName(data: Record<string, unknown>): Record<string, unknown> {
  const ticket = data.ticket as { caller?: Record<string, unknown> } | undefined;
  if (!ticket?.caller) return data;
  return { ...data, ticket: { ...ticket, caller: { ...ticket.caller, name: null } } };
}
