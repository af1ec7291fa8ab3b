import { normalizePhone } from '@hotline/domain';
import { z } from 'zod';
import { Channel, EmergencyService, TicketStatus, TicketType, Urgency } from './enums';

/** Content is Chinese free text up to 10,000 characters (DESIGN.md). */
export const MAX_CONTENT_LENGTH = 10_000;

const trimmed = (max: number) => z.string().trim().min(1).max(max);

/** A mainland mobile (13812341234, +86 …) or landline (0731-12345678) number. */
export const PhoneNumber = z
  .string()
  .max(40)
  .refine((v) => normalizePhone(v) !== null, 'not a mainland mobile or landline number');

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const CreateTicketBody = z
  .object({
    channel: Channel,
    type: TicketType,
    urgency: Urgency.default('normal'),
    caller: z
      .object({
        name: z.string().trim().max(100).optional(),
        phone: PhoneNumber.optional(),
        anonymous: z.boolean().default(false),
      })
      .strict()
      .default({ anonymous: false }),
    title: trimmed(200).optional(),
    content: trimmed(MAX_CONTENT_LENGTH),
    location: z
      .object({
        district: z.string().trim().max(100).optional(),
        street: z.string().trim().max(100).optional(),
        address: z.string().trim().max(500).optional(),
        latitude: z.number().min(-90).max(90).optional(),
        longitude: z.number().min(-180).max(180).optional(),
      })
      .strict()
      // Half a position places the appeal nowhere; a map would put it on the equator or the meridian.
      .refine((l) => (l.latitude === undefined) === (l.longitude === undefined), {
        message: 'latitude and longitude are given together or not at all',
        path: [],
      })
      .default({}),
  })
  .strict();
export type CreateTicketBody = z.infer<typeof CreateTicketBody>;

export const HistoryEntry = z.object({
  id: z.string(),
  seq: z.number().int(),
  type: z.string(),
  occurredAt: z.string(),
  actor: z.object({ role: z.string(), id: z.string() }),
  data: z.record(z.string(), z.unknown()),
});

export const TicketBody = z.object({
  id: z.string(),
  number: z.string(),
  status: TicketStatus,
  channel: Channel,
  type: TicketType,
  urgency: Urgency,
  caller: z.object({ name: z.string().nullable(), phone: z.string().nullable(), anonymous: z.boolean() }),
  title: z.string(),
  content: z.string(),
  location: z.object({
    district: z.string().nullable(),
    street: z.string().nullable(),
    address: z.string().nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
  }),
  category: z.string().nullable(),
  department: z.string().nullable(),
  coDepartments: z.array(z.string()),
  confidence: z.number().nullable(),
  modelVersion: z.string().nullable(),
  catalogueVersion: z.number().int().nullable(),
  dispatchedAt: z.string().nullable(),
  acceptedAt: z.string().nullable(),
  acceptDeadline: z.string().nullable(),
  replyDeadline: z.string().nullable(),
  mergedInto: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  history: z.array(HistoryEntry).optional(),
});
export type TicketBody = z.infer<typeof TicketBody>;

export const TicketIdParams = z.object({ id: z.uuid() });

/** A client's retry of a write sends the same key, and gets the first answer instead of a second write. */
export const IdempotencyHeaders = z.object({ 'idempotency-key': z.string().min(1).max(200).optional() });

const isoDateOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const ListTicketsQuery = z
  .object({
    status: TicketStatus.optional(),
    type: TicketType.optional(),
    urgency: Urgency.optional(),
    channel: Channel.optional(),
    department: z.string().max(64).optional(),
    district: z.string().max(100).optional(),
    callerPhone: PhoneNumber.optional(),
    createdFrom: isoDateOrTime.optional(),
    createdTo: isoDateOrTime.optional(),
    q: z.string().trim().min(1).max(200).optional(),
    /** `oldest`: first come, first served, as an agent works the triage queue; the cursor carries on in the order it came from. */
    order: z.enum(['newest', 'oldest']).default('newest'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type ListTicketsQuery = z.infer<typeof ListTicketsQuery>;

export const TicketPage = z.object({ items: z.array(TicketBody), nextCursor: z.string().nullable() });

export const NoteBody = z.object({ note: trimmed(2000) }).strict();
export const AnswerBody = z.object({ answer: trimmed(MAX_CONTENT_LENGTH) }).strict();
export const TransferBody = z.object({ service: EmergencyService, note: z.string().trim().max(2000).optional() }).strict();

export const ClassifyBody = z
  .object({ text: z.string().max(MAX_CONTENT_LENGTH), title: z.string().max(200).optional() })
  .strict();

export const CategorySuggestion = z.object({
  category: z.string(),
  categoryCode: z.string(),
  department: z.string().nullable(),
  probability: z.number(),
});

export const ClassifyResult = z.object({
  modelVersion: z.string(),
  threshold: z.number(),
  /** Fewest content words from which a ticket is routed without an agent, and how many this text has. */
  minimumContentWords: z.number().int(),
  contentWords: z.number().int(),
  /** Whether a ticket with this text would be routed without an agent. */
  automatic: z.boolean(),
  /** Why not, when it would not: what the agent can do about it. */
  reason: z.string().optional(),
  suggestions: z.array(CategorySuggestion),
});

export const CorrectClassificationBody = z
  .object({
    /** A taxonomy code (any level, e.g. "01.02.03") or a first-level name (城乡建设). */
    category: z.string().trim().min(1).max(50),
  })
  .strict();
