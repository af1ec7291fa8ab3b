import { categoryByName, seedRules } from '@hotline/catalogue';
import type { StreamNames, TicketEvent } from '@hotline/contracts';
import {
  appendTicketEvents,
  callbacks,
  insertEvents,
  newTicketEvent,
  ticketNumberCounters,
  tickets,
  type Db,
  type EventContext,
  type NewTicketRow,
  type TicketRow,
} from '@hotline/db';
import {
  acceptDeadline,
  beijingDateKey,
  loadChinaCalendar,
  maskPhone,
  normalizePhone,
  replyDeadline,
  type TicketStatus,
  type TicketType,
  type Urgency,
} from '@hotline/domain';
import { eq, sql } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';

/** Statuses a ticket can be seeded in: each is reached by the events of the ordinary life. */
export type SeedStatus =
  | 'received'
  | 'triage'
  | 'classified'
  | 'dispatched'
  | 'accepted'
  | 'returned'
  | 'replied'
  | 'callback_pending'
  | 'closed'
  | 'reopened';

export interface SeedTicketOptions {
  status: SeedStatus;
  /** Main department (主办) from `dispatched` on; default `housing`. */
  department?: string;
  coDepartments?: string[];
  type?: TicketType;
  urgency?: Urgency;
  /** null for a caller who left no number; default 13812341234. */
  callerPhone?: string | null;
  /** The caller asked not to be named to the department (匿名); default false. */
  anonymous?: boolean;
  title?: string;
  content?: string;
  district?: string;
  /** When every seeded event happened; a past time gives deadlines that have already passed. */
  now?: Date;
}

export interface DispatchOptions {
  department: string;
  coDepartments?: string[];
  now?: Date;
}

const seeder: EventContext['actor'] = { role: 'system', id: 'testkit' };
const calendar = loadChinaCalendar();

// The order of the ordinary life; a seeded status gets every step up to it.
type SeedStep = Exclude<SeedStatus, 'received'>;
const lifeSteps: Record<SeedStatus, readonly SeedStep[]> = {
  received: [],
  triage: ['triage'],
  classified: ['classified'],
  dispatched: ['classified', 'dispatched'],
  accepted: ['classified', 'dispatched', 'accepted'],
  returned: ['classified', 'dispatched', 'returned'],
  replied: ['classified', 'dispatched', 'accepted', 'replied'],
  callback_pending: ['classified', 'dispatched', 'accepted', 'replied', 'callback_pending'],
  closed: ['classified', 'dispatched', 'accepted', 'replied', 'callback_pending', 'closed'],
  reopened: ['classified', 'dispatched', 'accepted', 'replied', 'callback_pending', 'reopened'],
};

interface Step {
  events: TicketEvent[];
  patch: Partial<NewTicketRow>;
}

/** A taxonomy category whose catalogue rule names the department, so the seeded route looks real. */
function categoryFor(department: string) {
  const rule = seedRules.find((r) => r.main === department && r.categories?.length);
  const category = categoryByName(rule?.categories?.[0] ?? '城乡建设') ?? categoryByName('城乡建设');
  if (!category) throw new Error('the catalogue has no 城乡建设 category');
  return category;
}

function dispatchStep(ticket: Pick<TicketRow, 'id' | 'type' | 'urgency'>, options: DispatchOptions, ctx: EventContext): Step {
  const at = ctx.at ?? new Date();
  const accept = acceptDeadline(at, ticket.urgency as Urgency, calendar);
  const reply = replyDeadline(ticket.type as TicketType, ticket.urgency as Urgency, at, calendar);
  const coDepartments = options.coDepartments ?? [];
  return {
    events: [
      newTicketEvent(
        ticket.id,
        'dispatched',
        {
          department: options.department,
          coDepartments,
          acceptDeadline: accept.toISOString(),
          replyDeadline: reply.toISOString(),
          catalogueVersion: null,
        },
        ctx,
      ),
    ],
    patch: {
      departmentCode: options.department,
      coDepartments,
      dispatchedAt: at,
      acceptedAt: null,
      acceptDeadline: accept,
      replyDeadline: reply,
      catalogueVersion: null,
    },
  };
}

async function nextNumber(db: Db, at: Date): Promise<string> {
  const day = beijingDateKey(at).replaceAll('-', '');
  const [row] = await db
    .insert(ticketNumberCounters)
    .values({ day, last: 1 })
    .onConflictDoUpdate({ target: ticketNumberCounters.day, set: { last: sql`${ticketNumberCounters.last} + 1` } })
    .returning({ last: ticketNumberCounters.last });
  return `${day}-${String(row?.last ?? 0).padStart(6, '0')}`;
}

/**
 * A ticket already in `status`, written as its events (history, outbox, projection) through
 * the same functions the services use, so a test starts where it needs to without running
 * intake, classifier and dispatcher first. Deadlines come from the domain's rules.
 */
export async function seedTicket(database: { db: Db }, names: StreamNames, options: SeedTicketOptions): Promise<TicketRow> {
  const at = options.now ?? new Date();
  const ctx: EventContext = { actor: seeder, requestId: null, at };
  const id = uuidv7();
  const department = options.department ?? 'housing';
  const type = options.type ?? 'complaint';
  const urgency = options.urgency ?? 'normal';
  const given = options.callerPhone === undefined ? '13812341234' : options.callerPhone;
  const phone = given === null ? null : (normalizePhone(given) ?? given);
  const title = options.title ?? '小区夜间施工噪音扰民';
  const content = options.content ?? '小区旁工地每天晚上十一点后仍在施工，噪音很大，严重影响居民休息，请相关部门尽快处理。';
  const number = await nextNumber(database.db, at);
  const row: NewTicketRow = {
    id,
    number,
    channel: 'phone',
    type,
    urgency,
    callerName: '张先生',
    callerPhone: phone,
    callerAnonymous: options.anonymous ?? false,
    title,
    content,
    district: options.district ?? null,
    status: 'received',
    version: 1,
    createdBy: seeder.id,
    createdAt: at,
    updatedAt: at,
  };
  const received = newTicketEvent(
    id,
    'received',
    {
      ticket: {
        number,
        channel: 'phone',
        type,
        urgency,
        title,
        content,
        caller: { name: '张先生', phoneMasked: phone ? maskPhone(phone) : null, anonymous: options.anonymous ?? false },
        location: { district: row.district ?? null, street: null, address: null },
      },
    },
    ctx,
  );
  const category = categoryFor(department);
  const dispatch = dispatchStep({ id, type, urgency }, { department, coDepartments: options.coDepartments ?? [] }, ctx);
  const deadline = (d: Date | null | undefined) => d?.toISOString() ?? null;
  const replied = newTicketEvent(
    id,
    'replied',
    { department, result: 'resolved', reply: '已现场处理，施工单位已停止夜间施工。', replyDeadline: deadline(dispatch.patch.replyDeadline) },
    ctx,
  );
  const callbackId = uuidv7();
  const callback = { callbackId, department };
  const steps: Record<SeedStep, () => Step> = {
    triage: () => ({
      events: [newTicketEvent(id, 'triaged', { reason: 'seeded for a test', suggestion: null, modelVersion: null }, ctx)],
      patch: {},
    }),
    classified: () => ({
      events: [
        newTicketEvent(
          id,
          'classified',
          { categoryCode: category.code, categoryName: category.name, department, confidence: 0.9, modelVersion: 'seed', alternatives: [] },
          ctx,
        ),
      ],
      patch: { categoryCode: category.code, departmentCode: department, confidence: 0.9, modelVersion: 'seed' },
    }),
    dispatched: () => dispatch,
    accepted: () => ({
      events: [newTicketEvent(id, 'accepted', { department, acceptDeadline: deadline(dispatch.patch.acceptDeadline) }, ctx)],
      patch: { acceptedAt: at },
    }),
    returned: () => ({ events: [newTicketEvent(id, 'returned', { department, reason: 'seeded for a test' }, ctx)], patch: {} }),
    replied: () => ({ events: [replied], patch: {} }),
    callback_pending: () => ({
      events: [newTicketEvent(id, 'callback_due', { ...callback, due: at.toISOString(), surveyExpiresAt: at.toISOString() }, ctx)],
      patch: {},
    }),
    closed: () => ({
      events: [
        newTicketEvent(
          id,
          'callback_recorded',
          { ...callback, via: 'phone', reached: true, resolved: 'resolved', satisfaction: 'satisfied', comment: null, reopenRequested: false },
          ctx,
        ),
        newTicketEvent(id, 'closed', { reason: 'rated', department }, ctx),
      ],
      patch: {},
    }),
    reopened: () => ({
      events: [
        newTicketEvent(
          id,
          'callback_recorded',
          { ...callback, via: 'phone', reached: true, resolved: 'unresolved', satisfaction: 'dissatisfied', comment: '问题没有解决', reopenRequested: true },
          ctx,
        ),
        newTicketEvent(id, 'reopened', { department, comment: '问题没有解决', cycle: 2, supervision: false }, ctx),
      ],
      patch: {},
    }),
  };
  const path = lifeSteps[options.status].map((s) => steps[s]());
  const outcome = { callback_pending: null, closed: 'rated', reopened: 'reopened' } as Partial<Record<SeedStatus, string | null>>;

  await database.db.transaction(async (tx) => {
    await tx.insert(tickets).values(row);
    await insertEvents(tx, names, [received], 0);
    if (path.length === 0) return;
    await appendTicketEvents(
      tx,
      names,
      { id, status: 'received', version: 1 },
      path.flatMap((s) => s.events),
      Object.assign({}, ...path.map((s) => s.patch)),
    );
    const done = outcome[options.status];
    if (done === undefined) return;
    await tx.insert(callbacks).values({
      id: callbackId,
      ticketId: id,
      replyEventId: replied.id,
      cycle: 1,
      departmentCode: department,
      due: at,
      surveyExpiresAt: at,
      outcome: done,
      completedVia: done ? 'phone' : null,
      completedAt: done ? at : null,
      createdAt: at,
    });
  });
  const [stored] = await database.db.select().from(tickets).where(eq(tickets.id, id));
  if (!stored) throw new Error(`seeded ticket ${id} is missing`);
  return stored;
}

/**
 * Dispatches an existing ticket again (after a return to triage, a return, or a reopen),
 * with fresh deadlines, as the dispatcher would.
 */
export async function seedDispatch(database: { db: Db }, names: StreamNames, ticketId: string, options: DispatchOptions): Promise<TicketRow> {
  const ctx: EventContext = { actor: seeder, requestId: null, at: options.now ?? new Date() };
  await database.db.transaction(async (tx) => {
    const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, ticketId)).for('update');
    if (!ticket) throw new Error(`no ticket ${ticketId} to dispatch`);
    const { events, patch } = dispatchStep(ticket, options, ctx);
    await appendTicketEvents(tx, names, { id: ticketId, status: ticket.status as TicketStatus, version: ticket.version }, events, patch);
  });
  const [stored] = await database.db.select().from(tickets).where(eq(tickets.id, ticketId));
  if (!stored) throw new Error(`ticket ${ticketId} is missing`);
  return stored;
}
