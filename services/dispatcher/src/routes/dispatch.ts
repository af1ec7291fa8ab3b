import { DispatchBody, ErrorBody, TicketBody, TicketIdParams } from '@hotline/contracts';
import { fullPhoneRoles, ticketHistory, ticketView } from '@hotline/db';
import { principalOf, type Service } from '@hotline/server';
import type { Dispatcher } from '../dispatch';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export async function dispatchRoutes(app: Service, opts: { dispatcher: Dispatcher }): Promise<void> {
  app.post(
    '/v1/tickets/:id/dispatch',
    {
      config: { roles: ['agent', 'manager', 'admin'] },
      schema: {
        summary: 'Dispatch by hand (人工派单) a ticket in triage, classified, returned or reopened; without a department the catalogue routes it',
        params: TicketIdParams,
        // No body at all (null to Fastify) means: let the catalogue decide.
        body: DispatchBody.nullish(),
        response: { 200: TicketBody, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const ticket = await opts.dispatcher.dispatchByHand(request.params.id, request.body ?? {}, principal, request.id);
      return ticketView(ticket, fullPhoneRoles.includes(principal.role), await ticketHistory(app.db, ticket));
    },
  );
}
