import type { TicketBody } from '@hotline/contracts';
import type { TicketEventRow, TicketRow } from './schema';
import { maskPhone, type Role } from '@hotline/domain';

/** Roles that see the caller's whole phone number; everyone else sees 138****1234. */
export const fullPhoneRoles: readonly Role[] = ['agent', 'admin'];

/** The API's view of a ticket; `wholePhone` false masks the caller's number. */
export function ticketView(row: TicketRow, wholePhone: boolean, history?: TicketEventRow[]): TicketBody {
  const phone = row.callerPhone && !wholePhone ? maskPhone(row.callerPhone) : row.callerPhone;
  return {
    id: row.id,
    number: row.number,
    status: row.status as TicketBody['status'],
    channel: row.channel as TicketBody['channel'],
    type: row.type as TicketBody['type'],
    urgency: row.urgency as TicketBody['urgency'],
    caller: { name: row.callerName, phone, anonymous: row.callerAnonymous },
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
            data: e.data as Record<string, unknown>,
          })),
        }
      : {}),
  };
}
