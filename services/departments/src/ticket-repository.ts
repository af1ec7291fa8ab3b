import { HotlineError, notFound, type InboxQuery, type StreamNames, type TicketEvent } from '@hotline/contracts';
import {
  appendTicketEvents,
  departments,
  extensionRequests,
  newTicketEvent,
  raiseOverdue,
  supervisionCases,
  ticketEvents,
  ticketHistory,
  tickets,
  type Db,
  type EventContext,
  type NewTicketRow,
  type TicketEventRow,
  type TicketRow,
  type Tx,
  decodePageCursor,
  encodePageCursor,
} from '@hotline/db';
import { canApply, toBeijingIso, type EventType, type ReplyResult, type TicketStatus } from '@hotline/domain';
import { and, arrayContains, asc, desc, eq, gte, ilike, inArray, isNotNull, isNull, lt, not, or, sql, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';

export type ExtensionRow = typeof extensionRequests.$inferSelect;

/**
 * Statuses of a ticket that was dispatched. Before dispatch the classifier already writes
 * its suggested department into `department_code`, and that department must not see it yet.
 */
const dispatchedStatuses: readonly TicketStatus[] = ['dispatched', 'accepted', 'returned', 'replied', 'callback_pending', 'closed', 'reopened'];

/** 主办 (main) or 协办 (co-handling). */
export type DepartmentRole = 'main' | 'co';

function roleOf(ticket: TicketRow, department: string): DepartmentRole | null {
  if (ticket.departmentCode === department) return 'main';
  return ticket.coDepartments.includes(department) ? 'co' : null;
}

function visibleTo(department: string): SQL {
  return and(
    inArray(tickets.status, [...dispatchedStatuses]),
    or(eq(tickets.departmentCode, department), arrayContains(tickets.coDepartments, [department])),
  ) as SQL;
}

/** A co-handling department sees the ticket, so refusing it says nothing new: 403, not 404. */
function requireMain(ticket: TicketRow, department: string, action: string): void {
  if (roleOf(ticket, department) !== 'main') {
    throw new HotlineError('forbidden', `only the main department (主办单位) can ${action}; yours is a co-handling department (协办单位) of this ticket`);
  }
}

/** The same answer the state machine gives, for steps a route narrows further than the table. */
function illegalStep(status: string, event: EventType, why: string): HotlineError {
  return new HotlineError('illegal_transition', `a ticket that is ${status} cannot take "${event}": ${why}`, { status, event });
}

function stamped(ctx: EventContext): EventContext & { at: Date } {
  return { ...ctx, at: ctx.at ?? new Date() };
}

/**
 * The `overdue` event (and 督办 case) of a deadline the department acts after, when the deadline
 * watcher has not raised it yet: it scans every 30 s and not at all while the dispatcher is
 * down, and without this a late 签收 or reply in that gap left no overdue event for the
 * statistics to count. Raised once either way (the alert's key), just before the action.
 */
async function overdueBefore(tx: Tx, ticket: TicketRow, kind: 'accept' | 'reply', due: Date | null, ctx: EventContext & { at: Date }) {
  if (!due || due >= ctx.at) return [];
  const overdue = await raiseOverdue(tx, ticket, kind, due, { actor: { role: 'system', id: 'departments' }, requestId: ctx.requestId, at: ctx.at });
  return overdue ? [overdue] : [];
}

/**
 * Closes the ticket's open 督办 cases of `reasons` against `department` once it has done what
 * they chase (signed for the ticket, replied, or returned it): a manager's list of open cases
 * must hold the work still waiting, not every deadline ever missed. The case keeps when it was
 * opened and is counted in its period as before; who settled it is the department's key.
 */
async function settleOverdueCases(tx: Tx, ticketId: string, department: string, reasons: readonly ('overdue_accept' | 'overdue_reply')[], ctx: EventContext & { at: Date }) {
  await tx
    .update(supervisionCases)
    .set({ resolvedAt: ctx.at, resolvedBy: ctx.actor.id })
    .where(
      and(
        eq(supervisionCases.ticketId, ticketId),
        eq(supervisionCases.departmentCode, department),
        inArray(supervisionCases.reason, [...reasons]),
        isNull(supervisionCases.resolvedAt),
      ),
    );
}

/** Open tickets whose accept (签收) or reply (办结) deadline has passed. */
function overdueAt(now: Date): SQL {
  return sql`coalesce((${tickets.status} = 'dispatched' and ${tickets.acceptDeadline} < ${now.toISOString()}::timestamptz)
    or (${tickets.status} in ('dispatched', 'accepted') and ${tickets.replyDeadline} < ${now.toISOString()}::timestamptz), false)`;
}

/**
 * A department's view of the tickets and every change it may make. Each change locks the
 * ticket row, checks the department may see it (404 otherwise, so nothing leaks about
 * other departments' tickets), and appends its events in the same transaction.
 */
export class DepartmentTicketRepository {
  constructor(
    private readonly db: Db,
    private readonly names: StreamNames,
    /** Set when the repository works inside a caller's transaction (an idempotent action's). */
    private readonly tx: Tx | null = null,
  ) {}

  /** The same repository inside `tx`: its changes and reads are part of that transaction. */
  within(tx: Tx): DepartmentTicketRepository {
    return new DepartmentTicketRepository(this.db, this.names, tx);
  }

  private get reader(): Db | Tx {
    return this.tx ?? this.db;
  }

  /** `department` null is a manager or admin, who may read every ticket. */
  async find(id: string, department: string | null = null): Promise<TicketRow> {
    const [row] = await this.reader
      .select()
      .from(tickets)
      .where(and(eq(tickets.id, id), department ? visibleTo(department) : undefined));
    if (!row) throw notFound('ticket');
    return row;
  }

  async history(ticket: Pick<TicketRow, 'id' | 'version'>): Promise<TicketEventRow[]> {
    return ticketHistory(this.reader, ticket);
  }

  /** Only departments that must call citizens back themselves (e.g. 公安) get the whole number. */
  async seesWholePhone(department: string): Promise<boolean> {
    const [row] = await this.reader.select({ fullPhone: departments.fullPhone }).from(departments).where(eq(departments.code, department));
    return row?.fullPhone ?? false;
  }

  /** Newest dispatch first; the cursor is the last row's (dispatched_at, id). */
  async inbox(department: string, query: InboxQuery): Promise<{ items: TicketRow[]; nextCursor: string | null }> {
    const where: SQL[] = [visibleTo(department), isNotNull(tickets.dispatchedAt)];
    if (query.status) where.push(eq(tickets.status, query.status));
    if (query.role === 'main') where.push(eq(tickets.departmentCode, department));
    if (query.role === 'co') where.push(arrayContains(tickets.coDepartments, [department]));
    if (query.overdue) where.push(query.overdue === 'true' ? overdueAt(new Date()) : not(overdueAt(new Date())));
    if (query.from) where.push(gte(tickets.dispatchedAt, beijingStart(query.from)));
    if (query.to) where.push(lt(tickets.dispatchedAt, beijingEnd(query.to)));
    if (query.q) {
      const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(or(ilike(tickets.title, pattern), ilike(tickets.content, pattern), eq(tickets.number, query.q)) as SQL);
    }
    if (query.cursor) {
      const cursor = decodePageCursor(query.cursor);
      where.push(sql`(${tickets.dispatchedAt}, ${tickets.id}) < (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`);
    }
    const rows = await this.db
      .select()
      .from(tickets)
      .where(and(...where))
      .orderBy(desc(tickets.dispatchedAt), desc(tickets.id))
      .limit(query.limit + 1);
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last?.dispatchedAt ? encodePageCursor(last.dispatchedAt, last.id) : null };
  }

  /** 签收. */
  async accept(id: string, department: string, context: EventContext): Promise<void> {
    const ctx = stamped(context);
    await this.locked(id, department, async (tx, ticket) => {
      requireMain(ticket, department, 'accept (签收) the ticket');
      const accepted = newTicketEvent(id, 'accepted', { department, acceptDeadline: ticket.acceptDeadline?.toISOString() ?? null }, ctx);
      const overdue = await overdueBefore(tx, ticket, 'accept', ticket.acceptDeadline, ctx);
      await this.append(tx, ticket, [...overdue, accepted], { acceptedAt: ctx.at });
      await settleOverdueCases(tx, id, department, ['overdue_accept'], ctx);
    });
  }

  /**
   * 退单: back to triage for an agent to route again. A department returning the same
   * ticket a second time is a dispute an agent should not settle by guessing again, so the
   * ticket waits as `returned` with a supervision case (督办) for a manager.
   */
  async returnTicket(id: string, department: string, reason: string, context: EventContext): Promise<'triage' | 'returned'> {
    const ctx = stamped(context);
    return this.locked(id, department, async (tx, ticket) => {
      requireMain(ticket, department, 'return (退单) the ticket');
      const earlier = await tx
        .select({ reason: sql<string>`${ticketEvents.data}->>'reason'` })
        .from(ticketEvents)
        .where(and(eq(ticketEvents.ticketId, id), eq(ticketEvents.type, 'returned'), sql`${ticketEvents.data}->>'department' = ${department}`))
        .orderBy(asc(ticketEvents.seq));
      const returned = newTicketEvent(id, 'returned', { department, reason }, ctx);
      // A request for more time, and chasing the department for its deadlines, end with its part in the ticket.
      await this.withdrawPendingExtension(tx, id, ctx.at);
      await settleOverdueCases(tx, id, department, ['overdue_accept', 'overdue_reply'], ctx);
      if (earlier.length > 0) {
        await this.append(tx, ticket, [returned]);
        await tx.insert(supervisionCases).values({
          id: uuidv7(),
          ticketId: id,
          departmentCode: department,
          reason: 'returned_twice',
          detail: { reasons: [...earlier.map((e) => e.reason), reason] },
          createdAt: ctx.at,
        });
        return 'returned';
      }
      const triaged = newTicketEvent(id, 'triaged', { reason, suggestion: null, modelVersion: null }, ctx);
      // The routing was wrong as a whole, so the co-handling departments and the clocks go with it.
      await this.append(tx, ticket, [returned, triaged], {
        departmentCode: null,
        coDepartments: [],
        dispatchedAt: null,
        acceptedAt: null,
        acceptDeadline: null,
        replyDeadline: null,
      });
      return 'triage';
    });
  }

  /** 延期: asked before the reply deadline, for a later one; one request waits at a time. */
  async requestExtension(
    id: string,
    department: string,
    request: { until: string; reason: string },
    context: EventContext,
  ): Promise<ExtensionRow> {
    const ctx = stamped(context);
    const until = new Date(request.until);
    return this.locked(id, department, async (tx, ticket) => {
      requireMain(ticket, department, 'ask for more time (延期)');
      // Checked before the deadline, so a replied ticket is told it is replied, not overdue.
      if (!canApply(ticket.status as TicketStatus, 'extension_requested')) {
        throw illegalStep(ticket.status, 'extension_requested', 'more time is asked for while the ticket is being handled');
      }
      const deadline = ticket.replyDeadline;
      if (!deadline) throw new HotlineError('conflict', 'the ticket has no reply deadline to extend');
      if (deadline <= ctx.at) {
        throw new HotlineError(
          'conflict',
          `extension after the deadline: the reply deadline ${toBeijingIso(deadline)} has already passed; the ticket is overdue`,
          { replyDeadline: deadline.toISOString() },
        );
      }
      const [pending] = await this.pendingExtension(tx, id);
      if (pending) {
        throw new HotlineError('conflict', 'an extension request for this ticket is already waiting for a manager', { extensionId: pending.id });
      }
      if (until <= deadline) {
        const message = `must be after the current reply deadline ${toBeijingIso(deadline)}`;
        throw new HotlineError('validation_failed', `invalid until (${message})`, { fields: [{ field: 'until', message }] });
      }
      const [row] = await tx
        .insert(extensionRequests)
        .values({ id: uuidv7(), ticketId: id, departmentCode: department, until, reason: request.reason, status: 'pending', requestedAt: ctx.at })
        .returning();
      await this.append(tx, ticket, [
        newTicketEvent(id, 'extension_requested', { department, until: until.toISOString(), reason: request.reason }, ctx),
      ]);
      return row as ExtensionRow;
    });
  }

  /** A manager approves (the reply deadline moves to `until`) or refuses the waiting request. */
  async decideExtension(id: string, approve: boolean, context: EventContext): Promise<ExtensionRow> {
    const ctx = stamped(context);
    return this.locked(id, null, async (tx, ticket) => {
      const [pending] = await this.pendingExtension(tx, id);
      if (!pending) throw new HotlineError('conflict', 'no extension request of this ticket is waiting for a decision');
      // Approved, it would move the deadline to a time already past: the ticket overdue again at once.
      if (approve && pending.until <= ctx.at) {
        throw new HotlineError(
          'conflict',
          `the time asked for, until ${toBeijingIso(pending.until)}, has already passed: refuse the request; the ticket is overdue`,
          { extensionId: pending.id, until: pending.until.toISOString() },
        );
      }
      const [row] = await tx
        .update(extensionRequests)
        .set({ status: approve ? 'approved' : 'refused', decidedBy: ctx.actor.id, decidedAt: ctx.at })
        .where(eq(extensionRequests.id, pending.id))
        .returning();
      const decided = newTicketEvent(id, 'extension_decided', { approve, until: approve ? pending.until.toISOString() : null }, ctx);
      await this.append(tx, ticket, [decided], approve ? { replyDeadline: pending.until } : {});
      return row as ExtensionRow;
    });
  }

  /** A progress note of the main or a co-handling department while the ticket is being handled. */
  async progress(id: string, department: string, note: string, context: EventContext): Promise<void> {
    const ctx = stamped(context);
    await this.locked(id, department, async (tx, ticket) => {
      // A co-handling department (协办) may report before the main department has signed.
      const open = ticket.status === 'accepted' || (ticket.status === 'dispatched' && roleOf(ticket, department) === 'co');
      if (!open) throw illegalStep(ticket.status, 'progressed', 'progress is noted once the main department has accepted (签收) the ticket');
      await this.append(tx, ticket, [newTicketEvent(id, 'progressed', { department, note }, ctx)]);
    });
  }

  /**
   * 办结反馈. The main department replies for all; a co-handling department's reply is its
   * part (协办意见), recorded for the main department to take into its reply.
   */
  async reply(id: string, department: string, body: { result: ReplyResult; reply: string }, context: EventContext): Promise<DepartmentRole> {
    const ctx = stamped(context);
    return this.locked(id, department, async (tx, ticket) => {
      if (roleOf(ticket, department) === 'co') {
        await this.append(tx, ticket, [newTicketEvent(id, 'progressed', { department, note: body.reply, coHandling: true, result: body.result }, ctx)]);
        return 'co';
      }
      const replied = newTicketEvent(
        id,
        'replied',
        { department, result: body.result, reply: body.reply, replyDeadline: ticket.replyDeadline?.toISOString() ?? null },
        ctx,
      );
      const overdue = await overdueBefore(tx, ticket, 'reply', ticket.replyDeadline, ctx);
      await this.append(tx, ticket, [...overdue, replied]);
      await this.withdrawPendingExtension(tx, id, ctx.at);
      await settleOverdueCases(tx, id, department, ['overdue_accept', 'overdue_reply'], ctx);
      return 'main';
    });
  }

  private async locked<T>(id: string, department: string | null, work: (tx: Tx, ticket: TicketRow) => Promise<T>): Promise<T> {
    const run = async (tx: Tx) => {
      const [ticket] = await tx
        .select()
        .from(tickets)
        .where(and(eq(tickets.id, id), department ? visibleTo(department) : undefined))
        .for('update');
      if (!ticket) throw notFound('ticket');
      return work(tx, ticket);
    };
    return this.tx ? run(this.tx) : this.db.transaction(run);
  }

  private async append(tx: Tx, ticket: TicketRow, events: TicketEvent[], patch: Partial<NewTicketRow> = {}): Promise<void> {
    await appendTicketEvents(tx, this.names, { id: ticket.id, status: ticket.status as TicketStatus, version: ticket.version }, events, patch);
  }

  private pendingExtension(tx: Tx, ticketId: string) {
    return tx
      .select()
      .from(extensionRequests)
      .where(and(eq(extensionRequests.ticketId, ticketId), eq(extensionRequests.status, 'pending')));
  }

  /** A request nobody will decide any more must not block the next department's. */
  private async withdrawPendingExtension(tx: Tx, ticketId: string, at: Date): Promise<void> {
    await tx
      .update(extensionRequests)
      .set({ status: 'withdrawn', decidedAt: at })
      .where(and(eq(extensionRequests.ticketId, ticketId), eq(extensionRequests.status, 'pending')));
  }
}

/** A date alone means that Beijing day; a time is taken as given. */
function beijingStart(value: string): Date {
  return new Date(value.length === 10 ? `${value}T00:00:00+08:00` : value);
}

function beijingEnd(value: string): Date {
  if (value.length !== 10) return new Date(value);
  return new Date(new Date(`${value}T00:00:00+08:00`).getTime() + 86_400_000);
}
