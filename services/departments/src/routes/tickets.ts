import { IdempotencyHeaders, ProgressBody, ReplyBody, ReturnBody, TicketBody, TicketIdParams } from '@hotline/contracts';
import { ticketView } from '@hotline/db';
import type { Service } from '@hotline/server';
import type { FastifyRequest } from 'fastify';
import { answerOnce } from '../idempotency';
import { contextOf, departmentOf, errors, readerDepartment, seesWholePhone } from '../requests';
import { DepartmentTicketRepository } from '../ticket-repository';

const clerks = ['department'] as const;

export async function ticketRoutes(app: Service): Promise<void> {
  const repo = new DepartmentTicketRepository(app.db, app.names);

  /** The ticket after a change the caller was allowed to make, even if it has left their view (退单). */
  async function changed(request: FastifyRequest, within: DepartmentTicketRepository, id: string) {
    const [ticket, wholePhone] = await Promise.all([within.find(id), seesWholePhone(request, within)]);
    return ticketView(ticket, wholePhone, await within.history(ticket), readerDepartment(request) !== null);
  }

  app.get(
    '/v1/tickets/:id',
    {
      config: { roles: ['department', 'manager', 'admin'] },
      schema: { summary: 'One ticket with its history', params: TicketIdParams, response: { 200: TicketBody, ...errors } },
    },
    async (request) => {
      const { id } = request.params;
      const ticket = await repo.find(id, readerDepartment(request));
      const [history, wholePhone] = await Promise.all([repo.history(ticket), seesWholePhone(request, repo)]);
      return ticketView(ticket, wholePhone, history, readerDepartment(request) !== null);
    },
  );

  app.post(
    '/v1/tickets/:id/accept',
    {
      config: { roles: clerks },
      schema: {
        summary: 'Accept the ticket (签收); main department only',
        headers: IdempotencyHeaders,
        params: TicketIdParams,
        response: { 200: TicketBody, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return answerOnce(app.db, repo, request, reply, 200, async (within) => {
        await within.accept(id, departmentOf(request), contextOf(request));
        return changed(request, within, id);
      });
    },
  );

  app.post(
    '/v1/tickets/:id/return',
    {
      config: { roles: clerks },
      schema: {
        summary: 'Return a wrongly routed ticket (退单); main department only. A second return by the same department goes to a manager (督办)',
        headers: IdempotencyHeaders,
        params: TicketIdParams,
        body: ReturnBody,
        response: { 200: TicketBody, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return answerOnce(app.db, repo, request, reply, 200, async (within) => {
        await within.returnTicket(id, departmentOf(request), request.body.reason, contextOf(request));
        return changed(request, within, id);
      });
    },
  );

  app.post(
    '/v1/tickets/:id/progress',
    {
      config: { roles: clerks },
      schema: {
        summary: 'Note progress on an accepted ticket; main or co-handling department',
        headers: IdempotencyHeaders,
        params: TicketIdParams,
        body: ProgressBody,
        response: { 201: TicketBody, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return answerOnce(app.db, repo, request, reply, 201, async (within) => {
        await within.progress(id, departmentOf(request), request.body.note, contextOf(request));
        return changed(request, within, id);
      });
    },
  );

  app.post(
    '/v1/tickets/:id/reply',
    {
      config: { roles: clerks },
      schema: {
        summary: "Reply (办结反馈): the main department replies for all; a co-handling department's reply is its part (协办意见)",
        headers: IdempotencyHeaders,
        params: TicketIdParams,
        body: ReplyBody,
        response: { 200: TicketBody, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return answerOnce(app.db, repo, request, reply, 200, async (within) => {
        await within.reply(id, departmentOf(request), request.body, contextOf(request));
        return changed(request, within, id);
      });
    },
  );
}
