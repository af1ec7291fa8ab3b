import { z } from 'zod';
import { CallbackResolution, Channel, EmergencyService, ReplyResult, Role, Satisfaction, TicketType, Urgency } from './enums';

const isoTime = z.iso.datetime({ offset: true });
const DeadlineKind = z.enum(['accept', 'reply', 'callback']);

/** What services need of a ticket; the caller's phone travels masked, never whole. */
export const TicketSummary = z.object({
  number: z.string(),
  channel: Channel,
  type: TicketType,
  urgency: Urgency,
  title: z.string(),
  content: z.string(),
  caller: z.object({ name: z.string().nullable(), phoneMasked: z.string().nullable(), anonymous: z.boolean() }),
  location: z.object({ district: z.string().nullable(), street: z.string().nullable(), address: z.string().nullable() }),
});
export type TicketSummary = z.infer<typeof TicketSummary>;

/**
 * Why the classifier left a ticket to an agent: its text names a category the model has no
 * labels for, has too few content words to trust the model on, the model is unsure, or the
 * dispatch catalogue has no category for what it chose.
 */
export const TriageCause = z.enum(['unlabelled_category', 'too_few_words', 'unsure', 'no_catalogue_category']);
export type TriageCause = z.infer<typeof TriageCause>;

const Suggestion = z.object({ category: z.string(), probability: z.number().min(0).max(1) });

/** The `data` of each event type. */
export const eventData = {
  received: z.object({ ticket: TicketSummary }),
  classified: z.object({
    categoryCode: z.string(),
    categoryName: z.string(),
    department: z.string().nullable(),
    confidence: z.number().min(0).max(1),
    modelVersion: z.string(),
    alternatives: z.array(Suggestion),
    correctedBy: z.string().optional(),
  }),
  /**
   * `modelVersion`: the classifier's triage (null after a 退单); `department`: the one its
   * suggestion would have gone to, as a `classified` event names it; `cause`: why the
   * classifier left it to an agent (both absent after a 退单 and before 2026-12-02).
   */
  triaged: z.object({
    reason: z.string(),
    suggestion: Suggestion.nullable(),
    modelVersion: z.string().nullable(),
    department: z.string().nullable().optional(),
    cause: TriageCause.optional(),
  }),
  dispatched: z.object({
    department: z.string(),
    coDepartments: z.array(z.string()),
    acceptDeadline: isoTime,
    replyDeadline: isoTime,
    catalogueVersion: z.number().int().nullable(),
  }),
  /** `acceptDeadline`: the deadline in force when it was accepted, so 签收及时率 is counted from the event alone. */
  accepted: z.object({ department: z.string(), acceptDeadline: isoTime.nullable() }),
  returned: z.object({ department: z.string(), reason: z.string() }),
  extension_requested: z.object({ department: z.string(), until: isoTime, reason: z.string() }),
  extension_decided: z.object({ approve: z.boolean(), until: isoTime.nullable() }),
  /** Progress notes; a co-handling department's part (协办意见) is one with `coHandling`. */
  progressed: z.object({ department: z.string(), note: z.string(), coHandling: z.boolean().optional(), result: ReplyResult.optional() }),
  /** `replyDeadline`: the deadline in force (extensions included) when it was replied, for 按时办结率. */
  replied: z.object({ department: z.string(), result: ReplyResult, reply: z.string(), replyDeadline: isoTime.nullable() }),
  /** 回访 is due by `due`; the citizen's survey link for this reply expires at `surveyExpiresAt`. */
  callback_due: z.object({ callbackId: z.uuid(), department: z.string(), due: isoTime, surveyExpiresAt: isoTime }),
  /** One attempt or answer, by an agent on the phone or by the citizen through the survey link. */
  callback_recorded: z.object({
    callbackId: z.uuid(),
    department: z.string(),
    via: z.enum(['phone', 'survey']),
    reached: z.boolean(),
    resolved: CallbackResolution.nullable(),
    satisfaction: Satisfaction.nullable(),
    comment: z.string().nullable(),
    reopenRequested: z.boolean(),
  }),
  /** rated: the citizen answered; unreachable: not reached on enough working days (counted apart). */
  closed: z.object({ reason: z.enum(['rated', 'unreachable']), department: z.string().nullable() }),
  /**
   * 重办: `cycle` is the handling cycle that starts (2 for the first reopen). `supervision`:
   * the reopen limit is reached, so a manager decides (督办) instead of an automatic dispatch.
   */
  reopened: z.object({ department: z.string(), comment: z.string().nullable(), cycle: z.number().int().min(2), supervision: z.boolean() }),
  answered: z.object({ answer: z.string() }),
  transferred: z.object({ service: EmergencyService, note: z.string().nullable() }),
  merged: z.object({ into: z.uuid() }),
  deadline_warning: z.object({ deadline: DeadlineKind, due: isoTime }),
  /**
   * `department`: the one responsible when the deadline passed, charged with the 超期 even if
   * the ticket goes elsewhere later (absent from events written before it was added).
   */
  overdue: z.object({ deadline: DeadlineKind, due: isoTime, department: z.string().nullable().optional() }),
  noted: z.object({ note: z.string() }),
} as const;

export type EventDataMap = { [K in keyof typeof eventData]: z.infer<(typeof eventData)[K]> };
export type TicketEventType = keyof EventDataMap;

export const Actor = z.object({ role: z.union([Role, z.literal('system')]), id: z.string() });

const envelopeBase = {
  id: z.uuid(),
  ticketId: z.uuid(),
  occurredAt: isoTime,
  actor: Actor,
  requestId: z.string().nullable(),
};

/** One envelope for every event: the history row, the outbox row and the JetStream message. */
export const TicketEvent = z.discriminatedUnion(
  'type',
  Object.entries(eventData).map(([type, data]) =>
    z.object({ ...envelopeBase, type: z.literal(type), data }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

export type TicketEvent<K extends TicketEventType = TicketEventType> = {
  [T in K]: {
    id: string;
    type: T;
    ticketId: string;
    occurredAt: string;
    actor: z.infer<typeof Actor>;
    requestId: string | null;
    data: EventDataMap[T];
  };
}[K];

export function parseTicketEvent(input: unknown): TicketEvent {
  return TicketEvent.parse(input) as TicketEvent;
}

/** The work a department takes from `hotline.dispatch.<code>`. */
export const DispatchMessage = z.object({
  eventId: z.uuid(),
  ticketId: z.uuid(),
  department: z.string(),
  role: z.enum(['main', 'co']),
  acceptDeadline: isoTime,
  replyDeadline: isoTime,
  ticket: TicketSummary.extend({ caller: TicketSummary.shape.caller.extend({ phone: z.string().nullable() }) }),
  category: z.string().nullable(),
  /** Set when the ticket comes back (重办): the cycle and the citizen's comment. */
  reopen: z.object({ cycle: z.number().int().min(2), comment: z.string().nullable() }).optional(),
});
export type DispatchMessage = z.infer<typeof DispatchMessage>;
