import type { Db } from '@hotline/db';
import { answerOnce as answerActionOnce } from '@hotline/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DepartmentTicketRepository } from './ticket-repository';

/** A department action answered once per `Idempotency-Key`, its changes in the key's transaction. */
export function answerOnce<B>(
  db: Db,
  repo: DepartmentTicketRepository,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  perform: (repo: DepartmentTicketRepository) => Promise<B>,
): Promise<FastifyReply> {
  return answerActionOnce(db, request, reply, status, (tx) => perform(tx ? repo.within(tx) : repo));
}
