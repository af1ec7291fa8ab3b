import { ExtensionBody, ExtensionDecisionBody, ExtensionResult, IdempotencyHeaders, TicketIdParams, type ExtensionRequestBody } from '@hotline/contracts';
import { ticketView } from '@hotline/db';
import type { Service } from '@hotline/server';
import type { FastifyRequest } from 'fastify';
import { answerOnce } from '../idempotency';
import { contextOf, departmentOf, errors, readerDepartment, seesWholePhone } from '../requests';
import { DepartmentTicketRepository, type ExtensionRow } from '../ticket-repository';

function extensionView(row: ExtensionRow): ExtensionRequestBody {
  return {
    id: row.id,
    ticketId: row.ticketId,
    department: row.departmentCode,
    until: row.until.toISOString(),
    reason: row.reason,
    status: row.status as ExtensionRequestBody['status'],
    requestedAt: row.requestedAt.toISOString(),
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt?.toISOString() ?? null,
  };
}

/** 延期: a department asks for a later reply deadline, a manager decides. */
export async function extensionRoutes(app: Service): Promise<void> {
  const repo = new DepartmentTicketRepository(app.db, app.names);

  async function result(request: FastifyRequest, within: DepartmentTicketRepository, row: ExtensionRow) {
    const [ticket, wholePhone] = await Promise.all([within.find(row.ticketId), seesWholePhone(request, within)]);
    return { extension: extensionView(row), ticket: ticketView(ticket, wholePhone, await within.history(ticket), readerDepartment(request) !== null) };
  }

  app.post(
    '/v1/tickets/:id/extension',
    {
      config: { roles: ['department'] },
      schema: {
        summary: 'Ask for a later reply deadline (延期), before the current one passes; main department only',
        headers: IdempotencyHeaders,
        params: TicketIdParams,
        body: ExtensionBody,
        response: { 201: ExtensionResult, ...errors },
      },
    },
    async (request, reply) => {
      return answerOnce(app.db, repo, request, reply, 201, async (within) => {
        const row = await within.requestExtension(request.params.id, departmentOf(request), request.body, contextOf(request));
        return result(request, within, row);
      });
    },
  );

  app.post(
    '/v1/tickets/:id/extension/decision',
    {
      config: { roles: ['manager', 'admin'] },
      schema: {
        summary: 'Approve (the reply deadline moves) or refuse the waiting extension request',
        headers: IdempotencyHeaders,
        params: TicketIdParams,
        body: ExtensionDecisionBody,
        response: { 200: ExtensionResult, ...errors },
      },
    },
    async (request, reply) => {
      return answerOnce(app.db, repo, request, reply, 200, async (within) => {
        const row = await within.decideExtension(request.params.id, request.body.approve, contextOf(request));
        return result(request, within, row);
      });
    },
  );
}
