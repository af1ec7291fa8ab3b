import { categories, firstLevelCategories, categoryByName, locateTicket, routeTicket, type Place } from '@hotline/catalogue';
import { HotlineError, notFound, type DispatchMessage, type StreamNames, type TicketEvent } from '@hotline/contracts';
import {
  appendTicketEvents,
  departments,
  newTicketEvent,
  tickets,
  type Db,
  type EventContext,
  type NewTicketRow,
  type OutboxMessage,
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
  type Urgency,
  type WorkingCalendar,
} from '@hotline/domain';
import type { Principal } from '@hotline/server';
import { eq, inArray } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { uuidv7 } from 'uuidv7';
import type { CatalogueRepository } from './catalogue-repository';
import { openCaseIds, resolveCases } from './supervision-repository';

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

/**
 * 派单: one path for the consumer of classified tickets and for agents routing by hand, so
 * both record the same event, deadlines and department messages.
 */
export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  /**
   * Dispatches a ticket the classifier (or an agent's correction) made `classified`.
   * Idempotent under redelivery: the status is checked under the row lock, so a ticket
   * already dispatched is left alone.
   */
  async dispatchClassified(event: TicketEvent<'classified'>): Promise<void> {
    const log = this.deps.logger.child({ ticketId: event.ticketId });
    try {
      await this.deps.db.transaction(async (tx) => {
        const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, event.ticketId)).for('update');
        if (!ticket || ticket.status !== 'classified') return;
        if ((await openCaseIds(tx, ticket.id, 'returned_twice')).length > 0) {
          log.info('ticket returned twice waits for a manager to dispatch it');
          return;
        }
        await this.dispatch(tx, ticket, {}, { actor: system, requestId: event.requestId });
      });
    } catch (err) {
      // Retrying cannot help until someone edits the catalogue; the ticket stays classified for an agent.
      if (err instanceof NoCatalogueRuleError) {
        log.warn('no catalogue rule matches; left for an agent to dispatch by hand');
        return;
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
    await this.deps.db.transaction(async (tx) => {
      const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, event.ticketId)).for('update');
      if (!ticket || ticket.status !== 'reopened') return;
      const reopen = { cycle: event.data.cycle, comment: event.data.comment };
      const choice = { department: event.data.department, coDepartments: ticket.coDepartments };
      await this.dispatch(tx, ticket, choice, { actor: system, requestId: event.requestId }, reopen);
    });
  }

  /**
   * An agent's dispatch. A ticket with an open `returned_twice` or `reopen_limit` case is a
   * manager's call, and dispatching it closes that case.
   */
  async dispatchByHand(id: string, choice: DispatchChoice, principal: Principal, requestId: string): Promise<TicketRow> {
    await this.deps.db.transaction(async (tx) => {
      const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, id)).for('update');
      if (!ticket) throw notFound('ticket');
      const returnedTwice = await openCaseIds(tx, id, 'returned_twice');
      if (returnedTwice.length > 0 && !supervisors.includes(principal.role)) {
        throw new HotlineError('forbidden', 'this ticket was returned twice by the same department; a manager must dispatch it (督办)');
      }
      const reopenLimit = await openCaseIds(tx, id, 'reopen_limit');
      if (reopenLimit.length > 0 && !supervisors.includes(principal.role)) {
        throw new HotlineError('forbidden', 'the citizen asked to reopen this ticket past the reopen limit; a manager must dispatch it (督办)');
      }
      const at = await this.dispatch(tx, ticket, choice, { actor: { role: principal.role, id: principal.keyId }, requestId });
      await resolveCases(tx, [...returnedTwice, ...reopenLimit], principal.keyId, at);
    });
    const [row] = await this.deps.db.select().from(tickets).where(eq(tickets.id, id));
    if (!row) throw notFound('ticket');
    return row;
  }

  /** Routes, sets the deadlines and appends `dispatched` with one message per department; returns the dispatch time. */
  private async dispatch(tx: Tx, ticket: TicketRow, choice: DispatchChoice, ctx: EventContext, reopen?: DispatchMessage['reopen']): Promise<Date> {
    const chosenCategory = choice.category === undefined ? undefined : resolveCategory(choice.category);
    if (chosenCategory === null) {
      throw invalid([{ field: 'category', message: `"${choice.category}" is not a taxonomy code or first-level name` }]);
    }
    const given = [
      ...(choice.department ? [{ field: 'department', code: choice.department }] : []),
      ...(choice.coDepartments ?? []).map((code, i) => ({ field: `coDepartments[${i}]`, code })),
    ];
    const known = await this.departmentsByCode(tx, given.map((g) => g.code));
    const unknown = given.filter((g) => !known.has(g.code));
    if (unknown.length > 0) throw invalid(unknown.map((g) => ({ field: g.field, message: `unknown department "${g.code}"` })));

    const status = ticket.status as TicketStatus;
    if (!canApply(status, 'dispatched')) {
      throw new HotlineError('illegal_transition', `a ticket that is ${status} cannot take "dispatched"`, { status, event: 'dispatched' });
    }

    const category = chosenCategory ?? (ticket.categoryCode ? resolveCategory(ticket.categoryCode) : null);
    const place = locateTicket({ district: ticket.district, street: ticket.street }, `${ticket.title}\n${ticket.content}`);
    const chosen = await this.route(tx, ticket, choice, category, place);
    // 重办 goes back by the same route, so the ticket keeps the catalogue version that chose it.
    const route = reopen ? { ...chosen, catalogueVersion: ticket.catalogueVersion } : chosen;
    const co = [...new Set(route.co)].filter((c) => c !== route.main);
    const routed = await this.departmentsByCode(tx, [route.main, ...co]);
    const missing = [route.main, ...co].filter((c) => !routed.has(c));
    if (missing.length > 0) {
      throw new HotlineError('conflict', `catalogue version ${route.catalogueVersion} names unknown departments: ${missing.join(', ')}`);
    }

    const at = this.deps.now();
    const accept = acceptDeadline(at, ticket.urgency as Urgency, this.deps.calendar);
    const reply = replyDeadline(ticket.type as TicketType, ticket.urgency as Urgency, at, this.deps.calendar);
    const event = newTicketEvent(
      ticket.id,
      'dispatched',
      {
        department: route.main,
        coDepartments: co,
        acceptDeadline: accept.toISOString(),
        replyDeadline: reply.toISOString(),
        catalogueVersion: route.catalogueVersion,
      },
      { ...ctx, at },
    );
    const patch: Partial<NewTicketRow> = {
      departmentCode: route.main,
      coDepartments: co,
      acceptDeadline: accept,
      replyDeadline: reply,
      dispatchedAt: at,
      acceptedAt: null,
      catalogueVersion: route.catalogueVersion,
      district: ticket.district || place.district,
      street: ticket.street || place.street,
      ...(chosenCategory ? { categoryCode: chosenCategory.code } : {}),
    };
    const summary = { ...ticket, district: patch.district ?? null, street: patch.street ?? null, categoryCode: category?.code ?? null };
    const messages: OutboxMessage[] = [route.main, ...co].map((code, i) => ({
      id: uuidv7(),
      subject: this.deps.names.dispatchSubject(code),
      payload: { ...dispatchMessage(summary, event, code, i === 0 ? 'main' : 'co', routed.get(code) === true), ...(reopen ? { reopen } : {}) },
    }));
    await appendTicketEvents(tx, this.deps.names, { id: ticket.id, status, version: ticket.version }, [event], patch, messages);
    return at;
  }

  /** The agent's department, else the newest catalogue's first matching rule. */
  private async route(
    tx: Tx,
    ticket: TicketRow,
    choice: DispatchChoice,
    category: Category | null,
    place: Place,
  ): Promise<{ main: string; co: string[]; catalogueVersion: number | null }> {
    if (choice.department) return { main: choice.department, co: choice.coDepartments ?? [], catalogueVersion: null };
    const catalogue = await this.deps.catalogue.newest(tx);
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

  /** Known departments among `codes`, each with whether it may see the caller's whole phone. */
  private async departmentsByCode(tx: Tx, codes: string[]): Promise<Map<string, boolean>> {
    if (codes.length === 0) return new Map();
    const rows = await tx
      .select({ code: departments.code, fullPhone: departments.fullPhone })
      .from(departments)
      .where(inArray(departments.code, codes));
    return new Map(rows.map((r) => [r.code, r.fullPhone]));
  }
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
