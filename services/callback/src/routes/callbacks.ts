import { CallbackBody, CallbackList, CallbackResult, CallbacksQuery, ErrorBody, IdempotencyHeaders, TicketIdParams, type CallbackItem } from '@hotline/contracts';
import { fullPhoneRoles, type TicketRow } from '@hotline/db';
import { maskPhone, toBeijingIso } from '@hotline/domain';
import { answerOnce, principalOf, type Service } from '@hotline/server';
import type { CallbackRepository, DueCallback, RecordedCallback } from '../callback-repository';
import { surveyToken } from '../survey-token';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export interface CallbackRoutesOptions {
  repo: CallbackRepository;
  surveySecret: string;
  publicUrl: string;
  now: () => Date;
}

function caller(ticket: TicketRow, wholePhone: boolean) {
  const phone = ticket.callerPhone && !wholePhone ? maskPhone(ticket.callerPhone) : ticket.callerPhone;
  return { name: ticket.callerName, phone, anonymous: ticket.callerAnonymous };
}

export function resultOf(recorded: RecordedCallback): CallbackResult {
  const { outcome, ticket, callback } = recorded;
  return {
    ticketId: ticket.id,
    status: ticket.status,
    outcome: outcome.kind === 'closed' ? outcome.reason : outcome.kind,
    cycle: outcome.kind === 'reopened' ? outcome.cycle : callback.cycle,
    attempts: callback.attempts,
    supervision: outcome.kind === 'reopened' && outcome.supervision,
  };
}

/** 回访 for call agents: the due list and the answer of each call. */
export async function callbackRoutes(app: Service, opts: CallbackRoutesOptions): Promise<void> {
  const { repo } = opts;
  const surveyUrl = (id: string) => new URL(`/s/${surveyToken(opts.surveySecret, id)}`, opts.publicUrl).toString();

  function item(row: DueCallback, wholePhone: boolean, now: Date): CallbackItem {
    const { callback, ticket, reply } = row;
    const replyData = reply?.data as { result?: string; reply?: string } | undefined;
    return {
      id: callback.id,
      ticketId: ticket.id,
      number: ticket.number,
      title: ticket.title,
      department: callback.departmentCode,
      cycle: callback.cycle,
      caller: caller(ticket, wholePhone),
      mergedCallers: row.merged.map((m) => ({ ticketId: m.id, number: m.number, ...caller(m, wholePhone) })),
      reply: reply ? { result: replyData?.result ?? '', text: replyData?.reply ?? '', at: toBeijingIso(reply.occurredAt) } : null,
      due: toBeijingIso(callback.due),
      overdue: callback.due < now,
      attempts: callback.attempts,
      lastAttemptAt: callback.lastAttemptAt ? toBeijingIso(callback.lastAttemptAt) : null,
      surveyUrl: callback.surveyExpiresAt > now ? surveyUrl(callback.id) : null,
      surveyExpiresAt: toBeijingIso(callback.surveyExpiresAt),
    };
  }

  app.get(
    '/v1/callbacks',
    {
      config: { roles: ['agent', 'manager', 'admin'] },
      schema: { summary: 'Callbacks (回访) still to make, earliest due first; overdue ones flagged', querystring: CallbacksQuery, response: { 200: CallbackList, ...errors } },
    },
    async (request) => {
      const now = opts.now();
      const page = await repo.due(request.query, now);
      const wholePhone = fullPhoneRoles.includes(principalOf(request).role);
      return { items: page.items.map((row) => item(row, wholePhone, now)), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/v1/tickets/:id/callback',
    {
      config: { roles: ['agent', 'admin'] },
      schema: {
        summary: 'Record a callback call: reached or not; if reached, resolved, satisfaction, comment, and whether the citizen asks to reopen (重办)',
        headers: IdempotencyHeaders,
        params: TicketIdParams,
        body: CallbackBody,
        response: { 200: CallbackResult, ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const ctx = { actor: { role: principal.role, id: principal.keyId }, requestId: request.id, at: opts.now() };
      // A retried call record (the agent's client timed out) is answered once, not counted twice.
      return answerOnce(app.db, request, reply, 200, async (tx) => resultOf(await repo.record(request.params.id, request.body, 'phone', ctx, { tx: tx ?? undefined })));
    },
  );
}
