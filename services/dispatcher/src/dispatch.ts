import { categories, firstLevelCategories, categoryByName, locateTicket, routeTicket, type Place } from '@hotline/catalogue';
import { HotlineError, notFound, type DispatchMessage, type StreamNames, type TicketEvent } from '@hotline/contracts';
import {
  appendToTicketsIfUnchanged,
  catalogueVersions,
  departments,
  newTicketEvent,
  supervisionCases,
  tickets,
  type Db,
  type EventContext,
  type NewTicketRow,
  type OutboxMessage,
  type TicketChange,
  type TicketRow,
  type Tx,
} from '@hotline/db';
import {
  acceptDeadline,
  canApply,
  maskPhone,
  replyDeadline,
  type Role,
  type TicketStatus,
  type TicketType,
  type DeadlinePolicy,
  type Urgency,
  type WorkingCalendar,
} from '@hotline/domain';
import type { Principal } from '@hotline/server';
import { eq, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { uuidv7 } from 'uuidv7';
import type { CatalogueRepository, PublishedCatalogue } from './catalogue-repository';
import { resolveCases, type SupervisionReason } from './supervision-repository';

/** What an agent may choose; everything left out comes from the ticket and the catalogue. */
export interface DispatchChoice {
  department?: string;
  coDepartments?: string[];
  category?: string;
}

export interface DispatcherDeps {
  db: Db;
  names: StreamNames;
  calendar: WorkingCalendar;
  /** The deadline rules (the configured ones, over the defaults). */
  policy: DeadlinePolicy;
  catalogue: CatalogueRepository;
  now: () => Date;
  logger: FastifyBaseLogger;
}

/** No rule of the newest catalogue fits and nobody named a department: a person must decide. */
export class NoCatalogueRuleError extends HotlineError {
  constructor() {
    super('conflict', 'no catalogue rule matches; dispatch by hand with a department');
  }
}

/** Who may dispatch a ticket a department has returned twice (退单两次): the case needs a manager's eye. */
const supervisors: readonly Role[] = ['manager', 'admin'];
const system = { role: 'system' as const, id: 'dispatcher' };
/** Reads of a ticket that changed before its dispatch was written, before giving up for now. */
const ATTEMPTS = 5;

interface Category {
  code: string;
  firstLevel: string;
}

/** A taxonomy code of any level or a first-level name, as the catalogue matches it. */
function resolveCategory(codeOrName: string): Category | null {
  const byName = categoryByName(codeOrName);
  if (byName) return { code: byName.code, firstLevel: byName.name };
  if (!categories.some((c) => c.code === codeOrName)) return null;
  const first = firstLevelCategories.find((c) => c.code === codeOrName.split('.')[0]);
  return first ? { code: codeOrName, firstLevel: first.name } : null;
}

function invalid(fields: { field: string; message: string }[]): HotlineError {
  return new HotlineError('validation_failed', `invalid ${fields.map((f) => `${f.field} (${f.message})`).join(', ')}`, { fields });
}

/** Everything a dispatch is decided from, read in one statement. */
interface DispatchSnapshot {
  ticket: TicketRow;
  /** The ticket's open 督办 cases that leave its dispatch to a manager. */
  heldFor: { id: string; reason: SupervisionReason }[];
  catalogue: PublishedCatalogue | null;
  /** Every department, with whether it may see the caller's whole phone. */
  departments: Map<string, boolean>;
}

/**
 * The tickets, their held cases, the newest catalogue's version and the departments, in one
 * statement built once: drizzle's query building was 18 % of the dispatcher's CPU under load.
 */
function snapshotQuery(db: Db) {
  return db
    .select({
      ticket: tickets,
      // Columns in these subqueries are named by alias: drizzle leaves the table off a column
      // of a one-table select, which would make `ticket_id = id` compare a case with itself.
      heldFor: sql<DispatchSnapshot['heldFor']>`(
        select coalesce(json_agg(json_build_object('id', c.id, 'reason', c.reason)), '[]')
        from ${supervisionCases} c
        where c.ticket_id = ${tickets}.id and c.resolved_at is null and c.reason in ('returned_twice', 'reopen_limit'))`,
      catalogueVersion: sql<number | null>`(select max(v.version) from ${catalogueVersions} v)`,
      departments: sql<Record<string, boolean>>`(select json_object_agg(d.code, d.full_phone) from ${departments} d)`,
    })
    .from(tickets)
    .where(sql`${tickets.id} = any(${sql.placeholder('ids')}::uuid[])`)
    .prepare('dispatch_snapshots');
}

/** A decided dispatch, written only if the ticket is still as it was read. */
interface DispatchPlan {
  at: Date;
  event: TicketEvent<'dispatched'>;
  patch: Partial<NewTicketRow>;
  messages: OutboxMessage[];
  /** 督办 cases the dispatch settles, and who settled them. */
  resolves?: { ids: string[]; by: string };
}

/**
 * 派单: one path for the consumer of classified tickets and for agents routing by hand, so
 * both record the same event, deadlines and department messages. A dispatch reads the ticket,
 * decides, and writes only if the ticket is still at the version it read (no lock held between):
 * two round trips for the consumer, where a locking transaction took seven.
 */
export class Dispatcher {
  private readonly snapshot: ReturnType<typeof snapshotQuery>;
  private catalogue: PublishedCatalogue | null = null;

  constructor(private readonly deps: DispatcherDeps) {
    this.snapshot = snapshotQuery(deps.db);
  }

  /**
   * Dispatches tickets the classifier (or an agent's correction) made `classified`: read in one
   * statement, written in one. Idempotent under redelivery: a ticket no longer classified is
   * left alone. A ticket changed between the read and the write is read again on its own.
   */
  async dispatchClassified(events: TicketEvent<'classified'>[]): Promise<void> {
    const unique = [...new Map(events.map((e) => [e.ticketId, e])).values()];
    const snapshots = await this.read(unique.map((e) => e.ticketId));
    const planned = unique.flatMap((event) => {
      const snapshot = snapshots.get(event.ticketId);
      const plan = snapshot && this.planClassified(snapshot, event);
      return snapshot && plan ? [{ event, change: change(snapshot.ticket, plan) }] : [];
    });
    const moved = await appendToTicketsIfUnchanged(this.deps.db, this.deps.names, planned.map((p) => p.change));
    for (const { event } of planned) {
      if (!moved.has(event.ticketId)) await this.dispatchLatest(event.ticketId, (snapshot) => this.planClassified(snapshot, event));
    }
  }

  private planClassified(snapshot: DispatchSnapshot, event: TicketEvent<'classified'>): DispatchPlan | null {
    if (snapshot.ticket.status !== 'classified') return null;
    const log = this.deps.logger.child({ ticketId: event.ticketId });
    if (snapshot.heldFor.some((c) => c.reason === 'returned_twice')) {
      log.info('ticket returned twice waits for a manager to dispatch it');
      return null;
    }
    try {
      return this.plan(snapshot, {}, { actor: system, requestId: event.requestId });
    } catch (err) {
      // Retrying cannot help until someone edits the catalogue; the ticket stays classified for an agent.
      if (err instanceof NoCatalogueRuleError) {
        log.warn('no catalogue rule matches; left for an agent to dispatch by hand');
        return null;
      }
      throw err;
    }
  }

  /**
   * 重办: a reopened ticket goes back to the department that replied, with fresh deadlines
   * and the citizen's comment. Past the reopen limit it waits for a manager (督办) instead.
   */
  async dispatchReopened(event: TicketEvent<'reopened'>): Promise<void> {
    if (event.data.supervision) return;
    await this.dispatchLatest(event.ticketId, (snapshot) => {
      if (snapshot.ticket.status !== 'reopened') return null;
      const reopen = { cycle: event.data.cycle, comment: event.data.comment };
      const choice = { department: event.data.department, coDepartments: snapshot.ticket.coDepartments };
      return this.plan(snapshot, choice, { actor: system, requestId: event.requestId }, reopen);
    });
  }

  /**
   * An agent's dispatch. A ticket with an open `returned_twice` or `reopen_limit` case is a
   * manager's call, and dispatching it closes that case.
   */
  async dispatchByHand(id: string, choice: DispatchChoice, principal: Principal, requestId: string): Promise<TicketRow> {
    const found = await this.dispatchLatest(id, (snapshot) => {
      const held = (reason: SupervisionReason) => snapshot.heldFor.filter((c) => c.reason === reason).map((c) => c.id);
      const returnedTwice = held('returned_twice');
      if (returnedTwice.length > 0 && !supervisors.includes(principal.role)) {
        throw new HotlineError('forbidden', 'this ticket was returned twice by the same department; a manager must dispatch it (督办)');
      }
      const reopenLimit = held('reopen_limit');
      if (reopenLimit.length > 0 && !supervisors.includes(principal.role)) {
        throw new HotlineError('forbidden', 'the citizen asked to reopen this ticket past the reopen limit; a manager must dispatch it (督办)');
      }
      const plan = this.plan(snapshot, choice, { actor: { role: principal.role, id: principal.keyId }, requestId });
      return { ...plan, resolves: { ids: [...returnedTwice, ...reopenLimit], by: principal.keyId } };
    });
    if (!found) throw notFound('ticket');
    const [row] = await this.deps.db.select().from(tickets).where(eq(tickets.id, id));
    if (!row) throw notFound('ticket');
    return row;
  }

  /**
   * Reads the ticket, lets `decide` plan its dispatch (null: nothing to do) and writes the plan
   * if the ticket is still as read; reads again if it was changed meanwhile (a note, another
   * dispatch), so the decision is always made on what is stored. False if there is no such ticket.
   */
  private async dispatchLatest(id: string, decide: (snapshot: DispatchSnapshot) => DispatchPlan | null): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const snapshot = (await this.read([id])).get(id);
      if (!snapshot) return false;
      const plan = decide(snapshot);
      if (!plan || (await this.write(snapshot.ticket, plan))) return true;
      if (attempt === ATTEMPTS) throw new HotlineError('conflict', 'the ticket kept changing while it was dispatched; try again');
    }
  }

  /** The snapshots of the tickets that exist, by id. */
  private async read(ids: string[]): Promise<Map<string, DispatchSnapshot>> {
    const snapshots = new Map<string, DispatchSnapshot>();
    if (ids.length === 0) return snapshots;
    for (const row of await this.snapshot.execute({ ids })) {
      const catalogue = row.catalogueVersion === null ? null : await this.catalogueAt(row.catalogueVersion);
      const departments = new Map(Object.entries(row.departments ?? {}));
      snapshots.set(row.ticket.id, { ticket: row.ticket, heldFor: row.heldFor, catalogue, departments });
    }
    return snapshots;
  }

  /** The newest catalogue, fetched once per version: a published version never changes. */
  private async catalogueAt(version: number): Promise<PublishedCatalogue | null> {
    if (this.catalogue?.version !== version) this.catalogue = await this.deps.catalogue.find(version);
    return this.catalogue;
  }

  /** Writes `plan` if the ticket is still at the version it was planned on; false if it was not. */
  private async write(ticket: TicketRow, plan: DispatchPlan): Promise<boolean> {
    const append = async (db: Db | Tx) => (await appendToTicketsIfUnchanged(db, this.deps.names, [change(ticket, plan)])).has(ticket.id);
    const resolves = plan.resolves;
    if (!resolves || resolves.ids.length === 0) return append(this.deps.db);
    return this.deps.db.transaction(async (tx) => {
      const moved = await append(tx);
      if (moved) await resolveCases(tx, resolves.ids, resolves.by, plan.at);
      return moved;
    });
  }

  /** Routes and sets the deadlines: the `dispatched` event, the ticket's new fields and one message per department. */
  private plan(snapshot: DispatchSnapshot, choice: DispatchChoice, ctx: EventContext, reopen?: DispatchMessage['reopen']): DispatchPlan {
    const { ticket, departments: known } = snapshot;
    const chosenCategory = choice.category === undefined ? undefined : resolveCategory(choice.category);
    if (chosenCategory === null) {
      throw invalid([{ field: 'category', message: `"${choice.category}" is not a taxonomy code or first-level name` }]);
    }
    const given = [
      ...(choice.department ? [{ field: 'department', code: choice.department }] : []),
      ...(choice.coDepartments ?? []).map((code, i) => ({ field: `coDepartments[${i}]`, code })),
    ];
    const unknown = given.filter((g) => !known.has(g.code));
    if (unknown.length > 0) throw invalid(unknown.map((g) => ({ field: g.field, message: `unknown department "${g.code}"` })));

    const status = ticket.status as TicketStatus;
    if (!canApply(status, 'dispatched')) {
      throw new HotlineError('illegal_transition', `a ticket that is ${status} cannot take "dispatched"`, { status, event: 'dispatched' });
    }

    const category = chosenCategory ?? (ticket.categoryCode ? resolveCategory(ticket.categoryCode) : null);
    const place = locateTicket({ district: ticket.district, street: ticket.street }, `${ticket.title}\n${ticket.content}`);
    const chosen = route(snapshot, choice, category, place);
    // 重办 goes back by the same route, so the ticket keeps the catalogue version that chose it.
    const routed = reopen ? { ...chosen, catalogueVersion: ticket.catalogueVersion } : chosen;
    const co = [...new Set(routed.co)].filter((c) => c !== routed.main);
    const missing = [routed.main, ...co].filter((c) => !known.has(c));
    if (missing.length > 0) {
      throw new HotlineError('conflict', `catalogue version ${routed.catalogueVersion} names unknown departments: ${missing.join(', ')}`);
    }

    const at = this.deps.now();
    const accept = acceptDeadline(at, ticket.urgency as Urgency, this.deps.calendar, this.deps.policy);
    const reply = replyDeadline(ticket.type as TicketType, ticket.urgency as Urgency, at, this.deps.calendar, this.deps.policy);
    const event = newTicketEvent(
      ticket.id,
      'dispatched',
      {
        department: routed.main,
        coDepartments: co,
        acceptDeadline: accept.toISOString(),
        replyDeadline: reply.toISOString(),
        catalogueVersion: routed.catalogueVersion,
      },
      { ...ctx, at },
    );
    const patch: Partial<NewTicketRow> = {
      departmentCode: routed.main,
      coDepartments: co,
      acceptDeadline: accept,
      replyDeadline: reply,
      dispatchedAt: at,
      acceptedAt: null,
      catalogueVersion: routed.catalogueVersion,
      district: ticket.district || place.district,
      street: ticket.street || place.street,
      ...(chosenCategory ? { categoryCode: chosenCategory.code } : {}),
    };
    const summary = { ...ticket, district: patch.district ?? null, street: patch.street ?? null, categoryCode: category?.code ?? null };
    const messages: OutboxMessage[] = [routed.main, ...co].map((code, i) => ({
      id: uuidv7(),
      subject: this.deps.names.dispatchSubject(code),
      payload: { ...dispatchMessage(summary, event, code, i === 0 ? 'main' : 'co', known.get(code) === true), ...(reopen ? { reopen } : {}) },
    }));
    return { at, event, patch, messages };
  }
}

/** The plan as a write that happens only if the ticket is still at the version it was planned on. */
function change(ticket: TicketRow, plan: DispatchPlan): TicketChange {
  const expected = { id: ticket.id, status: ticket.status as TicketStatus, version: ticket.version };
  return { expected, events: [plan.event], patch: plan.patch, extra: plan.messages };
}

/** The agent's department, else the newest catalogue's first matching rule. */
function route(
  snapshot: DispatchSnapshot,
  choice: DispatchChoice,
  category: Category | null,
  place: Place,
): { main: string; co: string[]; catalogueVersion: number | null } {
  if (choice.department) return { main: choice.department, co: choice.coDepartments ?? [], catalogueVersion: null };
  const { catalogue, ticket } = snapshot;
  if (!catalogue) throw new HotlineError('conflict', 'no dispatch catalogue has been published; dispatch by hand with a department');
  const routing = routeTicket(catalogue.rules, {
    category: category?.firstLevel ?? null,
    district: place.district,
    title: ticket.title,
    content: ticket.content,
  });
  if (!routing) throw new NoCatalogueRuleError();
  return { main: routing.main, co: choice.coDepartments ?? routing.co, catalogueVersion: catalogue.version };
}

/**
 * The work item on `hotline.dispatch.<code>`. The whole phone goes only to departments
 * allowed to have it (e.g. utilities that call back about an outage), and never for an
 * anonymous caller (匿名), whose name is withheld too.
 */
function dispatchMessage(
  ticket: TicketRow,
  event: TicketEvent<'dispatched'>,
  department: string,
  role: 'main' | 'co',
  fullPhone: boolean,
): DispatchMessage {
  const masked = ticket.callerPhone ? maskPhone(ticket.callerPhone) : null;
  const anonymous = ticket.callerAnonymous;
  return {
    eventId: event.id,
    ticketId: ticket.id,
    department,
    role,
    acceptDeadline: event.data.acceptDeadline,
    replyDeadline: event.data.replyDeadline,
    ticket: {
      number: ticket.number,
      channel: ticket.channel as DispatchMessage['ticket']['channel'],
      type: ticket.type as TicketType,
      urgency: ticket.urgency as Urgency,
      title: ticket.title,
      content: ticket.content,
      caller: {
        name: anonymous ? null : ticket.callerName,
        phoneMasked: masked,
        phone: fullPhone && !anonymous ? ticket.callerPhone : masked,
        anonymous,
      },
      location: { district: ticket.district, street: ticket.street, address: ticket.address },
    },
    category: ticket.categoryCode,
  };
}
