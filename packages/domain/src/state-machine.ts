import { eventTypes, ticketStatuses, type EventType, type TicketStatus } from './ticket';

/** A ticket in one of these states is done; no event may touch it again. */
export const finalStatuses = ['closed', 'answered', 'transferred', 'merged'] as const satisfies readonly TicketStatus[];
export type FinalStatus = (typeof finalStatuses)[number];

export function isFinal(status: TicketStatus): status is FinalStatus {
  return (finalStatuses as readonly TicketStatus[]).includes(status);
}

export const openStatuses: readonly TicketStatus[] = Object.freeze(ticketStatuses.filter((s) => !isFinal(s)));

/** The status a ticket is created in; the `received` event creates it rather than moving it. */
export const initialStatus: TicketStatus = 'received';

export interface Transition {
  /** Statuses the event is allowed in. */
  readonly from: readonly TicketStatus[];
  /** The status it leads to; `stays` for events recorded in history without a status change. */
  readonly to: TicketStatus | 'stays';
}

const intake: readonly TicketStatus[] = ['received', 'triage', 'classified'];
// Deadline events fire where a clock runs: accept (dispatched), reply (accepted), callback (replied, callback_pending).
const underDeadline: readonly TicketStatus[] = ['dispatched', 'accepted', 'replied', 'callback_pending'];

/**
 * The whole ticket life as data, keyed by event type, so that the API, the docs and the
 * tests read one source of truth (the shape Amsterdam/signals keeps in workflow.py).
 */
export const transitionTable: Readonly<Record<EventType, Transition>> = Object.freeze({
  // Creates the ticket, so it is never applied to an existing status.
  received: { from: [], to: 'received' },
  // From triage and classified too: an agent confirms or corrects the category before dispatch.
  classified: { from: ['received', 'triage', 'classified'], to: 'classified' },
  // From returned: a department refused a ticket and nobody knows the right one, so an agent decides.
  triaged: { from: ['received', 'returned'], to: 'triage' },
  // triage: an agent routes by hand; returned: re-dispatch; reopened (重办): dispatched again.
  dispatched: { from: ['classified', 'triage', 'returned', 'reopened'], to: 'dispatched' },
  accepted: { from: ['dispatched'], to: 'accepted' },
  returned: { from: ['dispatched'], to: 'returned' },
  // A department may ask for more time before it has signed for the ticket, hence dispatched too.
  extension_requested: { from: ['dispatched', 'accepted'], to: 'stays' },
  extension_decided: { from: ['dispatched', 'accepted'], to: 'stays' },
  // From dispatched too: a co-handling department (协办) gives its part before the main one has signed.
  progressed: { from: ['dispatched', 'accepted'], to: 'stays' },
  replied: { from: ['accepted'], to: 'replied' },
  callback_due: { from: ['replied'], to: 'callback_pending' },
  // Each attempt is recorded (including unreachable ones); the outcome comes as closed or reopened.
  callback_recorded: { from: ['callback_pending'], to: 'stays' },
  // Citizen rated it, or a manager closes it as unreachable.
  closed: { from: ['callback_pending'], to: 'closed' },
  reopened: { from: ['callback_pending'], to: 'reopened' },
  answered: { from: intake, to: 'answered' },
  transferred: { from: intake, to: 'transferred' },
  merged: { from: intake, to: 'merged' },
  deadline_warning: { from: underDeadline, to: 'stays' },
  overdue: { from: underDeadline, to: 'stays' },
  noted: { from: openStatuses, to: 'stays' },
});

export class IllegalTransitionError extends Error {
  /** Stable code for the API's error body (answered as 409). */
  readonly code = 'illegal_transition';

  constructor(
    readonly from: TicketStatus,
    readonly event: EventType,
  ) {
    super(`Event "${event}" is not allowed for a ticket in status "${from}"`);
    this.name = 'IllegalTransitionError';
  }
}

export function canApply(status: TicketStatus, eventType: EventType): boolean {
  return transitionTable[eventType].from.includes(status);
}

/** The status after the event; throws IllegalTransitionError rather than writing a wrong state. */
export function applyEvent(status: TicketStatus, eventType: EventType): TicketStatus {
  if (!canApply(status, eventType)) throw new IllegalTransitionError(status, eventType);
  const { to } = transitionTable[eventType];
  return to === 'stays' ? status : to;
}

/** Events allowed in a status, e.g. to tell a caller what it could do instead. */
export function allowedEvents(status: TicketStatus): EventType[] {
  return eventTypes.filter((e) => canApply(status, e));
}
