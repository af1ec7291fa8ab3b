import { z } from 'zod';
import { TicketBody } from './http';

/** 并单: the duplicate named in the path is linked to the open ticket `into`, which is answered for both. */
export const MergeBody = z.object({ into: z.uuid() }).strict();
export type MergeBody = z.infer<typeof MergeBody>;

export const SimilarTicket = z.object({
  /** Similarity of the two texts (title and content), 0..1. */
  score: z.number(),
  /** Same caller phone number. */
  sameCaller: z.boolean(),
  /** Same district and street (or same district where a street is missing). */
  samePlace: z.boolean(),
  ticket: TicketBody,
});
export type SimilarTicket = z.infer<typeof SimilarTicket>;

export const SimilarTickets = z.object({
  /** Score from which a ticket is listed. */
  threshold: z.number(),
  /** Days before and after the ticket's creation that are searched. */
  windowDays: z.number().int(),
  /** Best first, at most 10. */
  items: z.array(SimilarTicket),
});
export type SimilarTickets = z.infer<typeof SimilarTickets>;
