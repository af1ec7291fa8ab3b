import type { StreamNames, TicketEvent } from '@hotline/contracts';
import { appendTicketEvents, callbacks, claimDeadlineAlert, deadlineAlerts, newTicketEvent, raiseOverdue, tickets, type Db, type DeadlineKind } from '@hotline/db';
import { deadlineClock, warningAt, type DeadlineClock, type TicketStatus, type Urgency, type WorkingCalendar } from '@hotline/domain';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';

export interface WatchSummary {
  warnings: number;
  overdue: number;
}

export interface WatcherDeps {
  db: Db;
  names: StreamNames;
  calendar: WorkingCalendar;
  /** Share of the time to a deadline left when the warning fires. */
  fraction: number;
  logger: FastifyBaseLogger;
}

type Stage = 'warning' | 'overdue';

/** The fields of a ticket the deadlines depend on. */
interface DeadlineFields {
  id: string;
  status: string;
  urgency: string;
  dispatchedAt: Date | null;
  acceptDeadline: Date | null;
  replyDeadline: Date | null;
  /** The open callback (回访) of a replied ticket: due by, and opened at. */
  callbackDue: Date | null;
  callbackOpenedAt: Date | null;
}

interface Deadline {
  kind: DeadlineKind;
  due: Date;
  clock: DeadlineClock;
  /** When the clock started: the dispatch, or for the callback the reply that opened it. */
  start: Date | null;
}

interface Alert extends Deadline {
  stage: Stage;
}

const system = { role: 'system' as const, id: 'deadline-watcher' };

/** The deadlines that run in a ticket's status: accept while dispatched, reply until replied, the callback until asked. */
function runningDeadlines(t: DeadlineFields): Deadline[] {
  const running: Deadline[] = [];
  const start = t.dispatchedAt;
  if (t.status === 'dispatched' && t.acceptDeadline) running.push({ kind: 'accept', due: t.acceptDeadline, clock: deadlineClock(t.urgency as Urgency), start });
  if ((t.status === 'dispatched' || t.status === 'accepted') && t.replyDeadline) {
    running.push({ kind: 'reply', due: t.replyDeadline, clock: deadlineClock(t.urgency as Urgency), start });
  }
  if (t.status === 'callback_pending' && t.callbackDue) {
    running.push({ kind: 'callback', due: t.callbackDue, clock: 'working', start: t.callbackOpenedAt });
  }
  return running;
}

type Candidate = Awaited<ReturnType<DeadlineWatcher['candidates']>>[number];

/** The stages already recorded for a candidate's current due times, as `kind:stage`. */
function stagesDone(r: Candidate): Set<string> {
  const flags: [string, boolean][] = [
    ['accept:warning', r.acceptWarned],
    ['accept:overdue', r.acceptOverdue],
    ['reply:warning', r.replyWarned],
    ['reply:overdue', r.replyOverdue],
    ['callback:warning', r.callbackWarned],
    ['callback:overdue', r.callbackOverdue],
  ];
  return new Set(flags.filter(([, set]) => set).map(([key]) => key));
}

/** Tickets looked at between two turns of the event loop. */
const SCAN_SLICE = 200;

/**
 * 预警 and 超期: each (ticket, deadline, due time, stage) happens exactly once, whichever
 * replica gets there first and however often it restarts, because the `deadline_alerts` row
 * and the event commit together and the row's key refuses a second one. A moved deadline
 * (an approved extension) has a new due time and so gets alerts of its own.
 */
export class DeadlineWatcher {
  /** warningAt per (ticket, deadline, start, due): calendar math once per deadline, not once per scan. */
  private warnings = new Map<string, number>();

  constructor(private readonly deps: WatcherDeps) {}

  async watch(now: Date): Promise<WatchSummary> {
    const candidates = await this.candidates();
    const seen = new Map<string, number>();
    const due: { id: string }[] = [];
    // Every running deadline is looked at, and a new one costs calendar arithmetic: in slices,
    // so that the dispatches this process consumes meanwhile do not wait for the whole scan.
    for (let start = 0; start < candidates.length; start += SCAN_SLICE) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const c of candidates.slice(start, start + SCAN_SLICE)) {
        const done = stagesDone(c);
        if (this.alertsDue(c, now, seen).some((a) => !done.has(`${a.kind}:${a.stage}`))) due.push(c);
      }
    }
    this.warnings = seen;
    const summary: WatchSummary = { warnings: 0, overdue: 0 };
    for (const c of due) {
      try {
        const raised = await this.alertTicket(c.id, now);
        summary.warnings += raised.filter((s) => s === 'warning').length;
        summary.overdue += raised.filter((s) => s === 'overdue').length;
      } catch (err) {
        // One ticket that cannot be alerted must not hold up the others; the next scan retries it.
        this.deps.logger.error({ err, ticketId: c.id }, 'deadline alert failed');
      }
    }
    if (summary.warnings + summary.overdue > 0) this.deps.logger.info({ ...summary }, 'deadline alerts raised');
    return summary;
  }

  /** Tickets under a running deadline, with the stages already recorded for their current due times. */
  private async candidates() {
    const dueOf = { accept: tickets.acceptDeadline, reply: tickets.replyDeadline, callback: callbacks.due };
    const stageDone = (kind: DeadlineKind, stage: Stage) =>
      sql<boolean>`exists (select 1 from ${deadlineAlerts} a where a.ticket_id = ${tickets.id} and a.deadline = ${kind}
        and a.due = ${dueOf[kind]} and a.stage = ${stage})`;
    return this.deps.db
      .select({
        id: tickets.id,
        status: tickets.status,
        urgency: tickets.urgency,
        dispatchedAt: tickets.dispatchedAt,
        acceptDeadline: tickets.acceptDeadline,
        replyDeadline: tickets.replyDeadline,
        callbackDue: callbacks.due,
        callbackOpenedAt: callbacks.createdAt,
        acceptWarned: stageDone('accept', 'warning'),
        acceptOverdue: stageDone('accept', 'overdue'),
        replyWarned: stageDone('reply', 'warning'),
        replyOverdue: stageDone('reply', 'overdue'),
        callbackWarned: stageDone('callback', 'warning'),
        callbackOverdue: stageDone('callback', 'overdue'),
      })
      .from(tickets)
      // A replied ticket has one open callback (回访) at a time.
      .leftJoin(callbacks, and(eq(callbacks.ticketId, tickets.id), isNull(callbacks.completedAt)))
      .where(inArray(tickets.status, ['dispatched', 'accepted', 'callback_pending']));
  }

  /**
   * The stage each running deadline is in: overdue from the due time on, warning from
   * warningAt until then. A deadline found already past gets only its overdue alert, since
   * a warning after the fact would tell nobody anything.
   */
  private alertsDue(t: DeadlineFields, now: Date, seen?: Map<string, number>): Alert[] {
    const alerts: Alert[] = [];
    for (const d of runningDeadlines(t)) {
      if (now >= d.due) alerts.push({ ...d, stage: 'overdue' });
      else if (d.start && now.getTime() >= this.warningTime(t.id, d.start, d, seen)) alerts.push({ ...d, stage: 'warning' });
    }
    return alerts;
  }

  private warningTime(id: string, start: Date, d: Deadline, seen?: Map<string, number>): number {
    const key = `${id}|${d.kind}|${start.getTime()}|${d.due.getTime()}|${d.clock}`;
    const at = this.warnings.get(key) ?? warningAt(start, d.due, this.deps.calendar, this.deps.fraction, d.clock).getTime();
    seen?.set(key, at);
    return at;
  }

  /**
   * One ticket in one transaction, decided again on the locked row: a ticket another replica
   * (or a department's request) holds is skipped now and seen on the next scan.
   */
  private async alertTicket(id: string, now: Date): Promise<Stage[]> {
    return this.deps.db.transaction(async (tx) => {
      const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, id)).for('update', { skipLocked: true });
      if (!ticket) return [];
      const [callback] = await tx
        .select({ due: callbacks.due, createdAt: callbacks.createdAt })
        .from(callbacks)
        .where(and(eq(callbacks.ticketId, id), isNull(callbacks.completedAt)));
      const events: TicketEvent[] = [];
      const raised: Stage[] = [];
      for (const alert of this.alertsDue({ ...ticket, callbackDue: callback?.due ?? null, callbackOpenedAt: callback?.createdAt ?? null }, now)) {
        const ctx = { actor: system, requestId: null, at: now };
        if (alert.stage === 'overdue') {
          const overdue = await raiseOverdue(tx, ticket, alert.kind, alert.due, ctx);
          if (!overdue) continue;
          events.push(overdue);
        } else {
          if (!(await claimDeadlineAlert(tx, id, alert.kind, alert.due, 'warning', now))) continue;
          events.push(newTicketEvent(id, 'deadline_warning', { deadline: alert.kind, due: alert.due.toISOString() }, ctx));
        }
        raised.push(alert.stage);
      }
      if (events.length > 0) {
        await appendTicketEvents(tx, this.deps.names, { id, status: ticket.status as TicketStatus, version: ticket.version }, events);
      }
      return raised;
    });
  }
}

/**
 * Runs the watcher every `intervalMs` on the service's clock. Scans never overlap, and the
 * timer is unref'd so it alone never keeps the process alive; `stop` waits for a running scan.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly watcher: DeadlineWatcher,
    private readonly intervalMs: number,
    private readonly now: () => Date,
    private readonly logger: FastifyBaseLogger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.watcher
        .watch(this.now())
        .then(
          () => undefined,
          (err: unknown) => this.logger.error({ err }, 'deadline scan failed; retrying on the next tick'),
        )
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.intervalMs);
    this.timer.unref();
  }
}
