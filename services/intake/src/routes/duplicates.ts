import { ErrorBody, MergeBody, SimilarTickets, TicketBody, TicketIdParams } from '@hotline/contracts';
import { fullPhoneRoles, ticketView, type EventContext } from '@hotline/db';
import { DUPLICATE_THRESHOLD } from '@hotline/domain';
import { principalOf, type Service } from '@hotline/server';
import type { FastifyRequest } from 'fastify';
import { DUPLICATE_WINDOW_DAYS, DuplicateRepository } from '../duplicate-repository';
import { TicketRepository } from '../ticket-repository';

const agents = ['agent', 'admin'] as const;
const readers = ['agent', 'manager', 'admin'] as const;
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

function seesWholePhone(request: FastifyRequest): boolean {
  return fullPhoneRoles.includes(principalOf(request).role);
}

function contextOf(request: FastifyRequest): EventContext {
  const principal = principalOf(request);
  return { actor: { role: principal.role, id: principal.keyId }, requestId: request.id };
}

/** 并单: finding the duplicates of a ticket and merging one into the open ticket it repeats. */
export async function duplicateRoutes(app: Service): Promise<void> {
  const repo = new DuplicateRepository(app.db, app.names);
  const ticketRepo = new TicketRepository(app.db, app.names);

  app.get(
    '/v1/tickets/:id/similar',
    {
      config: { roles: readers },
      schema: {
        summary: 'Open tickets from the same caller or place with near-identical text (并单 candidates), best first',
        params: TicketIdParams,
        response: { 200: SimilarTickets, ...errors },
      },
    },
    async (request) => {
      const wholePhone = seesWholePhone(request);
      const similar = await repo.similar(request.params.id);
      return {
        threshold: DUPLICATE_THRESHOLD,
        windowDays: DUPLICATE_WINDOW_DAYS,
        items: similar.map((s) => ({
          score: Math.round(s.score * 1000) / 1000,
          sameCaller: s.sameCaller,
          samePlace: s.samePlace,
          ticket: ticketView(s.ticket, wholePhone),
        })),
      };
    },
  );

  app.post(
    '/v1/tickets/:id/merge',
    {
      config: { roles: agents },
      schema: {
        summary: 'Merge this ticket, a duplicate not yet dispatched, into the open ticket it repeats (并单)',
        params: TicketIdParams,
        body: MergeBody,
        response: { 200: TicketBody, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const merged = await repo.merge(id, request.body.into, contextOf(request));
      return ticketView(merged, seesWholePhone(request), await ticketRepo.history(merged));
    },
  );
}
