import { z } from 'zod';
import { ReplyResult, TicketStatus } from './enums';
import { MAX_CONTENT_LENGTH, TicketBody } from './http';

/** The department API (承办单位): inbox, 签收, 退单, 延期, progress and 办结反馈. */

const trimmed = (max: number) => z.string().trim().min(1).max(max);
const isoTime = z.iso.datetime({ offset: true });
const isoDateOrTime = z.union([z.iso.date(), isoTime]);

export const InboxQuery = z
  .object({
    status: TicketStatus.optional(),
    /** main: the department is 主办; co: it is one of the 协办 departments. */
    role: z.enum(['main', 'co']).optional(),
    /** true: an accept or reply deadline has passed and the ticket is not replied yet. */
    overdue: z.enum(['true', 'false']).optional(),
    /** Dispatched on or after / on or before; a date alone is that Beijing day. */
    from: isoDateOrTime.optional(),
    to: isoDateOrTime.optional(),
    q: z.string().trim().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type InboxQuery = z.infer<typeof InboxQuery>;

export const ReturnBody = z.object({ reason: trimmed(2000) }).strict();

export const ExtensionBody = z
  .object({
    /** The reply deadline asked for; must be later than the current one. */
    until: isoTime,
    reason: trimmed(2000),
  })
  .strict();

export const ExtensionDecisionBody = z.object({ approve: z.boolean() }).strict();

export const ProgressBody = z.object({ note: trimmed(2000) }).strict();

export const ReplyBody = z.object({ result: ReplyResult, reply: trimmed(MAX_CONTENT_LENGTH) }).strict();

export const extensionStatuses = ['pending', 'approved', 'refused', 'withdrawn'] as const;

export const ExtensionRequestBody = z.object({
  id: z.string(),
  ticketId: z.string(),
  department: z.string(),
  until: z.string(),
  reason: z.string(),
  status: z.enum(extensionStatuses),
  requestedAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
});
export type ExtensionRequestBody = z.infer<typeof ExtensionRequestBody>;

export const ExtensionResult = z.object({ extension: ExtensionRequestBody, ticket: TicketBody });
