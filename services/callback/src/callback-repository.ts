import { HotlineError, notFound, type CallbacksQuery, type StreamNames, type TicketEvent } from '@hotline/contracts';
import {
  appendTicketEvents,
  callbacks,
  newTicketEvent,
  supervisionCases,
  ticketEvents,
  tickets,
  type CallbackRow,
  type Db,
  type EventContext,
  type TicketEventRow,
  type TicketRow,
  type Tx,
  decodePageCursor,
  encodePageCursor,
} from '@hotline/db';
import {
  callbackAnswerProblems,
  callbackDeadline,
  callbackOutcome,
  defaultDeadlinePolicy,
  type CallbackAnswer,
  type CallbackOutcome,
  type CallbackPolicy,
  type TicketStatus,
  type WorkingCalendar,
} from '@hotline/domain';
import { and, asc, eq, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';

export interface CallbackSettings extends CallbackPolicy {
  callbackWorkingDays: number;
  surveyTtlDays: number;
}

export type Via = 'phone' | 'survey';

export interface RecordedCallback {
  ticket: TicketRow;
  callback: CallbackRow;
  outcome: CallbackOutcome;
}

export interface DueCallback {
  callback: CallbackRow;
  ticket: TicketRow;
  reply: TicketEventRow | null;
  merged: TicketRow[];
}

const DAY_MS = 86_400_000;

function invalidAnswer(problems: { field: string; message: string }[]): HotlineError {
  return new HotlineError('validation_failed', `invalid ${problems.map((p) => `${p.field} (${p.message})`).join(', ')}`, {
    fields: problems,
  });
}

/**
 * 回访: opens one callback per reply, lists the due ones for agents, and records answers by
 * phone or survey link. Every answer locks the ticket row first, so a phone answer and a
 * survey submitted at the same moment are serialised and the second finds the callback done.
 */
export class CallbackRepository {
  constructor(
    private readonly db: Db,
    private readonly names: StreamNames,
    private readonly calendar: WorkingCalendar,
    private readonly settings: CallbackSettings,
  ) {}

  /** A reply makes a callback due. Idempotent: a redelivered `replied` finds its callback. */
  async openForReply(event: TicketEvent<'replied'>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, event.ticketId)).for('update');
      if (!ticket || ticket.status !== 'replied') return;
      const [existing] = await tx.select({ id: callbacks.id }).from(callbacks).where(eq(callbacks.replyEventId, event.id));
      if (existing) return;
      const [reopen] = await tx
        .select({ cycle: sql<number | null>`max((${ticketEvents.data}->>'cycle')::int)` })
        .from(ticketEvents)
        .where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'reopened')));
      const repliedAt = new Date(event.occurredAt);
      const at = new Date();
      const due = callbackDeadline(repliedAt, this.calendar, { ...defaultDeadlinePolicy, callbackWorkingDays: this.settings.callbackWorkingDays });
      const surveyExpiresAt = new Date(at.getTime() + this.settings.surveyTtlDays * DAY_MS);
      const id = uuidv7();
      await tx.insert(callbacks).values({
        id,
        ticketId: ticket.id,
        replyEventId: event.id,
        cycle: reopen?.cycle ?? 1,
        departmentCode: event.data.department,
        due,
        surveyExpiresAt,
        createdAt: at,
      });
      const ctx: EventContext = { actor: { role: 'system', id: 'callback' }, requestId: event.requestId, at };
      const dueEvent = newTicketEvent(
        ticket.id,
        'callback_due',
        { callbackId: id, department: event.data.department, due: due.toISOString(), surveyExpiresAt: surveyExpiresAt.toISOString() },
        ctx,
      );
      await appendTicketEvents(tx, this.names, { id: ticket.id, status: 'replied', version: ticket.version }, [dueEvent]);
    });
  }

  /** Due callbacks, earliest due first; the cursor is the last row's (due, id). */
  async due(query: CallbacksQuery, now: Date): Promise<{ items: DueCallback[]; nextCursor: string | null }> {
    const where: SQL[] = [isNull(callbacks.completedAt)];
    if (query.overdue === 'true') where.push(lt(callbacks.due, now));
    if (query.overdue === 'false') where.push(sql`${callbacks.due} >= ${now.toISOString()}::timestamptz`);
    if (query.department) where.push(eq(callbacks.departmentCode, query.department));
    if (query.cursor) {
      const cursor = decodePageCursor(query.cursor);
      where.push(sql`(${callbacks.due}, ${callbacks.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`);
    }
    const rows = await this.db
      .select({ callback: callbacks, ticket: tickets })
      .from(callbacks)
      .innerJoin(tickets, eq(tickets.id, callbacks.ticketId))
      .where(and(...where))
      .orderBy(asc(callbacks.due), asc(callbacks.id))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const ids = page.map((r) => r.ticket.id);
    const [replies, merged] = ids.length
      ? await Promise.all([
          this.db.select().from(ticketEvents).where(inArray(ticketEvents.id, page.map((r) => r.callback.replyEventId))),
          this.db.select().from(tickets).where(inArray(tickets.mergedInto, ids)).orderBy(asc(tickets.createdAt)),
        ])
      : [[], []];
    const items = page.map((r) => ({
      ...r,
      reply: replies.find((e) => e.id === r.callback.replyEventId) ?? null,
      merged: merged.filter((m) => m.mergedInto === r.ticket.id),
    }));
    const last = page.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? encodePageCursor(last.callback.due, last.callback.id) : null };
  }

  async findCallback(id: string): Promise<{ callback: CallbackRow; ticket: TicketRow } | null> {
    const [row] = await this.db
      .select({ callback: callbacks, ticket: tickets })
      .from(callbacks)
      .innerJoin(tickets, eq(tickets.id, callbacks.ticketId))
      .where(eq(callbacks.id, id));
    return row ?? null;
  }

  /** The department's reply text the callback asks about. */
  async replyOf(ticketId: string, replyEventId: string): Promise<string | null> {
    const [row] = await this.db
      .select({ reply: sql<string | null>`${ticketEvents.data}->>'reply'` })
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, ticketId), eq(ticketEvents.id, replyEventId)));
    return row?.reply ?? null;
  }

  /**
   * Records an answer to the ticket's open callback (or, from a survey link, to that link's
   * callback, which must still be the open one) and applies its outcome: closed, reopened
   * (重办, or 督办 past the reopen limit), or still due after an unreached call.
   */
  async record(
    ticketId: string,
    answer: CallbackAnswer,
    via: Via,
    context: EventContext,
    options: { callbackId?: string; tx?: Tx } = {},
  ): Promise<RecordedCallback> {
    const { callbackId } = options;
    const problems = callbackAnswerProblems(answer);
    if (problems.length > 0) throw invalidAnswer(problems);
    const ctx = { ...context, at: context.at ?? new Date() };
    const run = async (tx: Tx): Promise<RecordedCallback> => {
      const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, ticketId)).for('update');
      if (!ticket) throw notFound('ticket');
      const [callback] = await tx
        .select()
        .from(callbacks)
        .where(and(eq(callbacks.ticketId, ticketId), isNull(callbacks.completedAt), callbackId ? eq(callbacks.id, callbackId) : undefined));
      if (!callback || ticket.status !== 'callback_pending') {
        throw new HotlineError('conflict', `no callback is due for this ticket (it is ${ticket.status}); the citizen has already been asked about this reply`, {
          status: ticket.status,
        });
      }
      const unreached = await this.unreachedAttempts(tx, ticketId, callback.id);
      const outcome = callbackOutcome(answer, ctx.at, { cycle: callback.cycle, unreachedAttempts: unreached }, this.calendar, this.settings);
      const department = callback.departmentCode;
      const recorded = newTicketEvent(
        ticketId,
        'callback_recorded',
        {
          callbackId: callback.id,
          department,
          via,
          reached: answer.reached,
          resolved: answer.resolved ?? null,
          satisfaction: answer.satisfaction ?? null,
          comment: answer.comment ?? null,
          reopenRequested: outcome.kind === 'reopened',
        },
        ctx,
      );
      const events: TicketEvent[] = [recorded];
      if (outcome.kind === 'closed') events.push(newTicketEvent(ticketId, 'closed', { reason: outcome.reason, department }, ctx));
      if (outcome.kind === 'reopened') {
        events.push(
          newTicketEvent(
            ticketId,
            'reopened',
            { department, comment: answer.comment ?? null, cycle: outcome.cycle, supervision: outcome.supervision },
            ctx,
          ),
        );
      }
      const status = await appendTicketEvents(tx, this.names, { id: ticketId, status: ticket.status as TicketStatus, version: ticket.version }, events);
      const done = outcome.kind === 'pending' ? null : outcome.kind === 'closed' ? outcome.reason : 'reopened';
      const [updated] = await tx
        .update(callbacks)
        .set({
          attempts: answer.reached ? callback.attempts : callback.attempts + 1,
          lastAttemptAt: ctx.at,
          outcome: done,
          completedVia: done ? via : null,
          completedAt: done ? ctx.at : null,
        })
        .where(eq(callbacks.id, callback.id))
        .returning();
      if (outcome.kind === 'reopened' && outcome.supervision) {
        await tx.insert(supervisionCases).values({
          id: uuidv7(),
          ticketId,
          departmentCode: department,
          reason: 'reopen_limit',
          detail: { cycle: outcome.cycle, comment: answer.comment ?? null },
          createdAt: ctx.at,
        });
      }
      return { ticket: { ...ticket, status, version: ticket.version + events.length }, callback: updated as CallbackRow, outcome };
    };
    return options.tx ? run(options.tx) : this.db.transaction(run);
  }

  private async unreachedAttempts(tx: Tx, ticketId: string, callbackId: string): Promise<Date[]> {
    const rows = await tx
      .select({ at: ticketEvents.occurredAt })
      .from(ticketEvents)
      .where(
        and(
          eq(ticketEvents.ticketId, ticketId),
          eq(ticketEvents.type, 'callback_recorded'),
          sql`${ticketEvents.data}->>'callbackId' = ${callbackId}`,
          sql`(${ticketEvents.data}->>'reached')::boolean = false`,
        ),
      );
    return rows.map((r) => r.at);
  }
}
