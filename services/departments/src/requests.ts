import { ErrorBody, HotlineError } from '@hotline/contracts';
import { fullPhoneRoles, type EventContext } from '@hotline/db';
import { principalOf } from '@hotline/server';
import type { FastifyRequest } from 'fastify';
import type { DepartmentTicketRepository } from './ticket-repository';

export const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** The department a department key acts for. */
export function departmentOf(request: FastifyRequest): string {
  const { departmentCode } = principalOf(request);
  if (!departmentCode) throw new HotlineError('forbidden', 'this route is for a key bound to a department');
  return departmentCode;
}

/** The department whose tickets the caller may see; null for managers and admins, who see all. */
export function readerDepartment(request: FastifyRequest): string | null {
  return principalOf(request).role === 'department' ? departmentOf(request) : null;
}

export async function seesWholePhone(request: FastifyRequest, repo: DepartmentTicketRepository): Promise<boolean> {
  const department = readerDepartment(request);
  return department ? repo.seesWholePhone(department) : fullPhoneRoles.includes(principalOf(request).role);
}

export function contextOf(request: FastifyRequest): EventContext {
  const principal = principalOf(request);
  return { actor: { role: principal.role, id: principal.keyId }, requestId: request.id };
}
