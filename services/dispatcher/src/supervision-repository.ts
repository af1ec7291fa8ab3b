import type { SupervisionCase } from '@hotline/contracts';
import { supervisionCases, tickets, type Db, type Tx } from '@hotline/db';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';

/** 督办 reasons this service creates or acts on. */
export type SupervisionReason = 'overdue_accept' | 'overdue_reply' | 'returned_twice' | 'reopen_limit';

export async function resolveCases(tx: Tx, ids: string[], resolvedBy: string, at: Date): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .update(supervisionCases)
    .set({ resolvedAt: at, resolvedBy })
    .where(and(inArray(supervisionCases.id, ids), isNull(supervisionCases.resolvedAt)));
}

export class SupervisionRepository {
  constructor(private readonly db: Db) {}

  /** Open cases, oldest first: the order a manager works through them. */
  async open(limit: number): Promise<SupervisionCase[]> {
    const rows = await this.db
      .select({
        id: supervisionCases.id,
        ticketId: supervisionCases.ticketId,
        number: tickets.number,
        department: supervisionCases.departmentCode,
        reason: supervisionCases.reason,
        detail: supervisionCases.detail,
        createdAt: supervisionCases.createdAt,
      })
      .from(supervisionCases)
      .innerJoin(tickets, eq(tickets.id, supervisionCases.ticketId))
      .where(isNull(supervisionCases.resolvedAt))
      .orderBy(asc(supervisionCases.createdAt), asc(supervisionCases.id))
      .limit(limit);
    return rows.map((r) => ({ ...r, detail: r.detail as Record<string, unknown>, createdAt: r.createdAt.toISOString() }));
  }
}
