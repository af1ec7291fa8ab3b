import {
  AnswerBody,
  CreateTicketBody,
  ErrorBody,
  HotlineError,
  IdempotencyHeaders,
  ListTicketsQuery,
  NoteBody,
  TicketBody,
  TicketIdParams,
  TicketPage,
  TransferBody,
} from '@hotline/contracts';
import { fullPhoneRoles, newTicketEvent, ticketView, type EventContext } from '@hotline/db';
import { principalOf, type Service } from '@hotline/server';
import type { FastifyRequest } from 'fastify';
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

export async function ticketRoutes(app: Service): Promise<void> {
  const repo = new TicketRepository(app.db, app.names);

  app.post(
    '/v1/tickets',
    {
      config: { roles: agents },
      schema: {
        summary: 'Record an appeal (受理)',
        headers: IdempotencyHeaders,
        body: CreateTicketBody,
        response: { 201: TicketBody, ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const key = request.headers['idempotency-key'];
      const created = await repo.create(request.body, contextOf(request), key ? { apiKeyId: principal.keyId, key } : null);
      if (created.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(ticketView(created.ticket, fullPhoneRoles.includes(principal.role), created.history));
    },
  );

  app.get(
    '/v1/tickets',
    { config: { roles: readers }, schema: { summary: 'Find tickets', querystring: ListTicketsQuery, response: { 200: TicketPage, ...errors } } },
    async (request) => {
      const page = await repo.list(request.query);
      const wholePhone = seesWholePhone(request);
      return { items: page.items.map((t) => ticketView(t, wholePhone)), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/tickets/:id',
    { config: { roles: readers }, schema: { summary: 'One ticket with its history', params: TicketIdParams, response: { 200: TicketBody, ...errors } } },
    async (request) => {
      const { id } = request.params;
      const ticket = await repo.find(id);
      return ticketView(ticket, seesWholePhone(request), await repo.history(ticket));
    },
  );

  app.post(
    '/v1/tickets/:id/notes',
    {
      config: { roles: readers },
      schema: { summary: 'Add a note to the history', params: TicketIdParams, body: NoteBody, response: { 201: TicketBody, ...errors } },
    },
    async (request, reply) => {
      const { id } = request.params;
      const ctx = contextOf(request);
      await repo.change(id, () => ({ events: [newTicketEvent(id, 'noted', { note: request.body.note }, ctx)] }));
      const ticket = await repo.find(id);
      return reply.status(201).send(ticketView(ticket, seesWholePhone(request), await repo.history(ticket)));
    },
  );

  app.post(
    '/v1/tickets/:id/answer',
    {
      config: { roles: agents },
      schema: {
        summary: 'Answer a consultation directly (直接答复), done without dispatch',
        params: TicketIdParams,
        body: AnswerBody,
        response: { 200: TicketBody, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const ctx = contextOf(request);
      const ticket = await repo.change(id, (t) => {
        if (t.type !== 'consultation') {
          throw new HotlineError('conflict', `only a consultation (咨询) can be answered directly; this ticket is a ${t.type}`);
        }
        return { events: [newTicketEvent(id, 'answered', { answer: request.body.answer }, ctx)] };
      });
      return ticketView(ticket, seesWholePhone(request), await repo.history(ticket));
    },
  );

  app.post(
    '/v1/tickets/:id/transfer',
    {
      config: { roles: agents },
      schema: {
        summary: 'Hand an emergency to 110/119/120/122 at once (转办)',
        params: TicketIdParams,
        body: TransferBody,
        response: { 200: TicketBody, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const ctx = contextOf(request);
      const ticket = await repo.change(id, () => ({
        events: [newTicketEvent(id, 'transferred', { service: request.body.service, note: request.body.note ?? null }, ctx)],
      }));
      return ticketView(ticket, seesWholePhone(request), await repo.history(ticket));
    },
  );
}
