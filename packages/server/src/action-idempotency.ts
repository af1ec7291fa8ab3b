import { createHash } from 'node:crypto';
import { HotlineError } from '@hotline/contracts';
import { actionIdempotencyKeys, type Db, type Tx } from '@hotline/db';
import { and, eq } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from './plugins/auth';

interface Claim {
  apiKeyId: string;
  key: string;
  route: string;
  ticketId: string;
  requestHash: string;
}

interface Answer<B> {
  status: number;
  body: B;
  replayed: boolean;
}

function claimOf(request: FastifyRequest): Claim | null {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') return null;
  const route = request.routeOptions.url ?? request.url;
  const ticketId = (request.params as { id: string }).id;
  // A route without a body (签收) ignores whatever was sent, so its retries match whatever they send.
  const body = request.routeOptions.schema?.body ? request.body : null;
  const requestHash = createHash('sha256').update(JSON.stringify({ route, ticketId, body })).digest('hex');
  return { apiKeyId: principalOf(request).keyId, key, route, ticketId, requestHash };
}

function keyOf(claim: Claim) {
  return and(eq(actionIdempotencyKeys.apiKeyId, claim.apiKeyId), eq(actionIdempotencyKeys.key, claim.key));
}

/** The answer stored for the claim's key, or null if the row is gone (expired and deleted since). */
async function earlierAnswer<B>(tx: Tx, claim: Claim): Promise<Answer<B> | null> {
  const [earlier] = await tx.select().from(actionIdempotencyKeys).where(keyOf(claim));
  if (!earlier) return null;
  if (earlier.requestHash !== claim.requestHash) {
    const where = earlier.route === claim.route && earlier.ticketId === claim.ticketId ? 'with a different request body' : `for ${earlier.route} on ticket ${earlier.ticketId}`;
    throw new HotlineError('idempotency_conflict', `this Idempotency-Key was already used ${where}`);
  }
  return { status: earlier.status, body: earlier.response as B, replayed: true };
}

/**
 * Answers an action on a ticket (a department's, a callback call), once per `Idempotency-Key`
 * of the caller's API key. The key is claimed first in the action's transaction, so a
 * concurrent twin waits on it and then finds the stored answer instead of writing a second
 * event; the answer is stored in the same transaction, so there is never an action without
 * its key or a key without its action. A refused action stores nothing: its retry is judged
 * again. Without the header the action runs as it always did, on its own (`perform(null)`).
 */
export async function answerOnce<B>(
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  perform: (tx: Tx | null) => Promise<B>,
): Promise<FastifyReply> {
  const claim = claimOf(request);
  if (!claim) return reply.status(status).send(await perform(null));
  const answer = await db.transaction(async (tx): Promise<Answer<B>> => {
    // ON CONFLICT waits for a twin still in flight and does nothing once it has committed. A
    // key whose row expiry deletes between the two statements is claimed again: the first
    // request's answer is gone with it, so this one is a new request.
    for (let attempt = 1; ; attempt++) {
      const [claimed] = await tx
        .insert(actionIdempotencyKeys)
        .values({ ...claim, status, response: null })
        .onConflictDoNothing()
        .returning({ key: actionIdempotencyKeys.key });
      if (claimed) break;
      const earlier = await earlierAnswer<B>(tx, claim);
      if (earlier) return earlier;
      if (attempt === 2) throw new Error('an idempotency key was claimed twice and its row was gone both times');
    }
    const body = await perform(tx);
    await tx.update(actionIdempotencyKeys).set({ response: body }).where(keyOf(claim));
    return { status, body, replayed: false };
  });
  if (answer.replayed) reply.header('idempotent-replayed', 'true');
  return reply.status(answer.status).send(answer.body);
}
