import type { TicketEvent } from '@hotline/contracts';
import { uuidv7 } from 'uuidv7';
import type { Tx } from './client';
import { deadlineAlerts, supervisionCases } from './schema';
import { newTicketEvent, type EventContext } from './ticket-events';

export type DeadlineKind = 'accept' | 'reply' | 'callback';
export type AlertStage = 'warning' | 'overdue';

/**
 * Claims the (ticket, deadline, due time, stage) alert: true for the first caller, false once
 * anyone (a watcher replica, or the department acting after the deadline) has raised it. The
 * claim commits with the caller's event, so each alert happens exactly once.
 */
export async function claimDeadlineAlert(tx: Tx, ticketId: string, kind: DeadlineKind, due: Date, stage: AlertStage, at: Date): Promise<boolean> {
  const inserted = await tx
    .insert(deadlineAlerts)
    .values({ ticketId, deadline: kind, due, stage, createdAt: at })
    .onConflictDoNothing()
    .returning({ ticketId: deadlineAlerts.ticketId });
  return inserted.length > 0;
}

/**
 * 超期: the `overdue` event of a deadline that has passed, once, and for a department's
 * deadline its 督办 case (a late callback is the hotline's own: no case). Null when it was
 * raised already. The caller appends the event with its own, in its transaction.
 */
export async function raiseOverdue(
  tx: Tx,
  ticket: { id: string; departmentCode: string | null },
  kind: DeadlineKind,
  due: Date,
  ctx: EventContext & { at: Date },
): Promise<TicketEvent<'overdue'> | null> {
  if (!(await claimDeadlineAlert(tx, ticket.id, kind, due, 'overdue', ctx.at))) return null;
  const data = { deadline: kind, due: due.toISOString() };
  if (kind !== 'callback') {
    await tx.insert(supervisionCases).values({
      id: uuidv7(),
      ticketId: ticket.id,
      departmentCode: ticket.departmentCode,
      reason: kind === 'accept' ? 'overdue_accept' : 'overdue_reply',
      detail: data,
      createdAt: ctx.at,
    });
  }
  return newTicketEvent(ticket.id, 'overdue', { ...data, department: ticket.departmentCode }, ctx);
}
