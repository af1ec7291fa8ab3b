import { z } from 'zod';
import { CallbackResolution, Satisfaction } from './enums';

/** 回访: what agents list and record. */

export const CallbackBody = z
  .object({
    /** Whether the citizen answered the phone. */
    reached: z.boolean(),
    resolved: CallbackResolution.optional(),
    satisfaction: Satisfaction.optional(),
    comment: z.string().trim().max(2000).optional(),
    /** The citizen asks to reopen (重办); only when not resolved or not satisfied. */
    reopen: z.boolean().optional(),
  })
  .strict();
export type CallbackBody = z.infer<typeof CallbackBody>;

export const CallbacksQuery = z
  .object({
    /** true: only those past their due time. */
    overdue: z.enum(['true', 'false']).optional(),
    department: z.string().trim().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** The `nextCursor` of the previous page. */
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type CallbacksQuery = z.infer<typeof CallbacksQuery>;

const Caller = z.object({ name: z.string().nullable(), phone: z.string().nullable(), anonymous: z.boolean() });

export const CallbackItem = z.object({
  id: z.string(),
  ticketId: z.string(),
  number: z.string(),
  title: z.string(),
  department: z.string(),
  cycle: z.number().int(),
  caller: Caller,
  /** Callers of tickets merged into this one (并单): asked together with it. */
  mergedCallers: z.array(Caller.extend({ ticketId: z.string(), number: z.string() })),
  reply: z.object({ result: z.string(), text: z.string(), at: z.string() }).nullable(),
  due: z.string(),
  overdue: z.boolean(),
  attempts: z.number().int(),
  lastAttemptAt: z.string().nullable(),
  /** The citizen's one-time survey link (sent by SMS), until it expires. */
  surveyUrl: z.string().nullable(),
  surveyExpiresAt: z.string(),
});
export type CallbackItem = z.infer<typeof CallbackItem>;

export const CallbackList = z.object({ items: z.array(CallbackItem), nextCursor: z.string().nullable() });

export const CallbackResult = z.object({
  ticketId: z.string(),
  status: z.string(),
  /** rated, reopened, unreachable, or pending (not reached yet; try again another working day). */
  outcome: z.enum(['rated', 'reopened', 'unreachable', 'pending']),
  cycle: z.number().int(),
  attempts: z.number().int(),
  /** Set when the reopen limit was reached and a manager decides (督办). */
  supervision: z.boolean(),
});
export type CallbackResult = z.infer<typeof CallbackResult>;
