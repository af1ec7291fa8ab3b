import { createHash } from 'node:crypto';
import { HotlineError, notFound, type CreateTicketBody, type ListTicketsQuery, type StreamNames, type TicketEvent } from '@hotline/contracts';
import {
  appendTicketEvents,
  idempotencyKeys,
  eventRows,
  outbox,
  newTicketEvent,
  ticketEvents,
  ticketHistory,
  ticketNumberCounters,
  tickets,
  type Db,
  type EventContext,
  type NewTicketRow,
  type TicketEventRow,
  type TicketRow,
  type Tx,
  checkCursorOrder,
  decodePageCursor,
  encodePageCursor,
} from '@hotline/db';
import { beijingDateKey, maskPhone, normalizePhone, type TicketStatus } from '@hotline/domain';
import { and, asc, desc, eq, gte, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';

/** How many human numbers one intake process reserves at a time. */
const NUMBER_BLOCK = 100;

/**
 * Human numbers of the Beijing day, e.g. 20261123-000042. A process reserves a block of
 * numbers per statement and hands them out from memory, so the counter row is not a hot
 * spot under load. Numbers are unique, increase within a process, and leave gaps (a block
 * not used up before a restart, a failed transaction); they are not a count of tickets.
 */
export class TicketNumbers {
  private day = '';
  private next = 0;
  private last = -1;
  /** The one reservation in flight: a burst of requests waits on it instead of each reserving a block. */
  private reserving: Promise<void> | null = null;

  constructor(private readonly db: Db) {}

  async take(at: Date): Promise<string> {
    const day = beijingDateKey(at).replaceAll('-', '');
    // Checked again after every reservation: the waiters before this one may have used it up.
    while (day !== this.day || this.next > this.last) {
      this.reserving ??= this.reserve(day).finally(() => {
        this.reserving = null;
      });
      await this.reserving;
    }
    return `${day}-${String(this.next++).padStart(6, '0')}`;
  }

  private async reserve(day: string): Promise<void> {
    const [row] = await this.db
      .insert(ticketNumberCounters)
      .values({ day, last: NUMBER_BLOCK })
      .onConflictDoUpdate({ target: ticketNumberCounters.day, set: { last: sql`${ticketNumberCounters.last} + ${NUMBER_BLOCK}` } })
      .returning({ last: ticketNumberCounters.last });
    if (!row) throw new Error('ticket number counter returned no row');
    this.day = day;
    this.last = row.last;
    this.next = row.last - NUMBER_BLOCK + 1;
  }
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/** The ticket's columns the intake sets, each a placeholder of the prepared statement below. */
const TICKET_COLUMNS = [
  'id',
  'number',
  'channel',
  'type',
  'urgency',
  'callerName',
  'callerPhone',
  'callerAnonymous',
  'title',
  'content',
  'district',
  'street',
  'address',
  'latitude',
  'longitude',
  'status',
  'version',
  'createdBy',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof NewTicketRow)[];

/**
 * One statement writes a new ticket, its `received` event, the event's outbox row and, with
 * `withKey`, the idempotency key: atomic on its own, one round trip. Built once and prepared:
 * drizzle building it per request was 39 % of the intake's CPU per ticket (bench:intake).
 */
function createTicketStatement(db: Db, names: StreamNames, withKey: boolean) {
  const p = (name: string) => sql.placeholder(name);
  const ctes = [
    db.$with('new_events', {}).as(
      db
        .insert(ticketEvents)
        .values({ id: p('eventId'), ticketId: p('id'), seq: 0, type: 'received', occurredAt: p('at'), actorRole: p('actorRole'), actorId: p('actorId'), requestId: p('requestId'), data: p('data') })
        .getSQL(),
    ),
    db.$with('new_outbox', {}).as(db.insert(outbox).values({ id: p('eventId'), subject: names.ticketSubject('received'), payload: p('event') }).getSQL()),
    ...(withKey
      ? [
          db
            .$with('new_idempotency_key', {})
            .as(db.insert(idempotencyKeys).values({ apiKeyId: p('apiKeyId'), key: p('key'), requestHash: p('requestHash'), ticketId: p('id') }).getSQL()),
        ]
      : []),
  ];
  const values = Object.fromEntries(TICKET_COLUMNS.map((column) => [column, p(column)])) as Record<(typeof TICKET_COLUMNS)[number], ReturnType<typeof p>>;
  return db
    .with(...ctes)
    .insert(tickets)
    .values(values)
    .returning()
    .prepare(withKey ? 'create_ticket_with_key' : 'create_ticket');
}

export interface Idempotency {
  apiKeyId: string;
  key: string;
}

export interface CreatedTicket {
  ticket: TicketRow;
  history: TicketEventRow[];
  replayed: boolean;
}

export class TicketRepository {
  private readonly numbers: TicketNumbers;
  private readonly createWithoutKey: ReturnType<typeof createTicketStatement>;
  private readonly createWithKey: ReturnType<typeof createTicketStatement>;

  constructor(
    private readonly db: Db,
    private readonly names: StreamNames,
  ) {
    this.numbers = new TicketNumbers(db);
    this.createWithoutKey = createTicketStatement(db, names, false);
    this.createWithKey = createTicketStatement(db, names, true);
  }

  /**
   * Stores the ticket, its `received` event and its outbox row in one transaction. With an
   * idempotency key, a repeat of the same request returns the ticket it created.
   */
  async create(body: CreateTicketBody, ctx: EventContext, idempotency: Idempotency | null): Promise<CreatedTicket> {
    const hash = idempotency ? requestHash(body) : null;
    if (idempotency) {
      const earlier = await this.findByIdempotencyKey(idempotency, hash as string);
      if (earlier) return earlier;
    }
    const now = ctx.at ?? new Date();
    const id = uuidv7();
    const number = await this.numbers.take(now);
    const phone = body.caller.phone ? normalizePhone(body.caller.phone) : null;
    const title = body.title ?? summaryTitle(body.content);
    const row: NewTicketRow = {
      id,
      number,
      channel: body.channel,
      type: body.type,
      urgency: body.urgency,
      callerName: body.caller.name || null,
      callerPhone: phone,
      callerAnonymous: body.caller.anonymous,
      title,
      content: body.content,
      district: body.location.district || null,
      street: body.location.street || null,
      address: body.location.address || null,
      latitude: body.location.latitude ?? null,
      longitude: body.location.longitude ?? null,
      status: 'received',
      version: 1,
      createdBy: ctx.actor.id,
      createdAt: now,
      updatedAt: now,
    };
    const event = newTicketEvent(
      id,
      'received',
      {
        ticket: {
          number,
          channel: body.channel,
          type: body.type,
          urgency: body.urgency,
          title,
          content: body.content,
          caller: { name: row.callerName ?? null, phoneMasked: phone ? maskPhone(phone) : null, anonymous: body.caller.anonymous },
          location: { district: row.district ?? null, street: row.street ?? null, address: row.address ?? null },
        },
      },
      { ...ctx, at: now },
    );
    try {
      const received = { eventId: event.id, at: now, actorRole: event.actor.role, actorId: event.actor.id, requestId: event.requestId, data: event.data, event };
      const key = idempotency ? { apiKeyId: idempotency.apiKeyId, key: idempotency.key, requestHash: hash } : {};
      const [ticket] = await (idempotency ? this.createWithKey : this.createWithoutKey).execute({ ...row, ...received, ...key });
      if (!ticket) throw new Error('insert returned no ticket');
      return { ticket, history: eventRows([event], 0), replayed: false };
    } catch (err) {
      // The same key raced in from another request: answer as that one did.
      if (idempotency && isUniqueViolation(err)) {
        const earlier = await this.findByIdempotencyKey(idempotency, hash as string);
        if (earlier) return earlier;
      }
      throw err;
    }
  }

  private async findByIdempotencyKey(idempotency: Idempotency, hash: string): Promise<CreatedTicket | null> {
    const [earlier] = await this.db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.apiKeyId, idempotency.apiKeyId), eq(idempotencyKeys.key, idempotency.key)));
    if (!earlier) return null;
    if (earlier.requestHash !== hash) {
      throw new HotlineError('idempotency_conflict', 'this Idempotency-Key was already used with a different request body');
    }
    const ticket = await this.find(earlier.ticketId);
    return { ticket, history: await this.history(ticket), replayed: true };
  }

  async find(id: string): Promise<TicketRow> {
    const [row] = await this.db.select().from(tickets).where(eq(tickets.id, id));
    if (!row) throw notFound('ticket');
    return row;
  }

  async history(ticket: Pick<TicketRow, 'id' | 'version'>): Promise<TicketEventRow[]> {
    return ticketHistory(this.db, ticket);
  }

  /** Newest first, or oldest first (the triage queue); the cursor is the last row's (created_at, id). */
  async list(query: ListTicketsQuery): Promise<{ items: TicketRow[]; nextCursor: string | null }> {
    const oldest = query.order === 'oldest';
    const where: SQL[] = [];
    if (query.status) where.push(eq(tickets.status, query.status));
    if (query.type) where.push(eq(tickets.type, query.type));
    if (query.urgency) where.push(eq(tickets.urgency, query.urgency));
    if (query.channel) where.push(eq(tickets.channel, query.channel));
    if (query.department) where.push(eq(tickets.departmentCode, query.department));
    if (query.district) where.push(eq(tickets.district, query.district));
    if (query.callerPhone) where.push(eq(tickets.callerPhone, normalizePhone(query.callerPhone) ?? ''));
    if (query.createdFrom) where.push(gte(tickets.createdAt, beijingStart(query.createdFrom)));
    if (query.createdTo) where.push(lt(tickets.createdAt, beijingEnd(query.createdTo)));
    if (query.q) {
      const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(or(ilike(tickets.title, pattern), ilike(tickets.content, pattern)) as SQL);
    }
    if (query.cursor) {
      const cursor = checkCursorOrder(decodePageCursor(query.cursor), oldest);
      const after = sql`(${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`;
      where.push(oldest ? sql`(${tickets.createdAt}, ${tickets.id}) > ${after}` : sql`(${tickets.createdAt}, ${tickets.id}) < ${after}`);
    }
    const rows = await this.db
      .select()
      .from(tickets)
      .where(and(...where))
      .orderBy(...(oldest ? [asc(tickets.createdAt), asc(tickets.id)] : [desc(tickets.createdAt), desc(tickets.id)]))
      .limit(query.limit + 1);
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? encodePageCursor(last.createdAt, last.id, oldest) : null };
  }

  /**
   * Locks the ticket, lets `decide` build the events from its current state, and appends
   * them; the state machine refuses an illegal step with a 409 and nothing written.
   */
  async change(
    id: string,
    decide: (ticket: TicketRow) => { events: TicketEvent[]; patch?: Partial<NewTicketRow> },
  ): Promise<TicketRow> {
    await this.db.transaction(async (tx: Tx) => {
      const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, id)).for('update');
      if (!ticket) throw notFound('ticket');
      const { events, patch } = decide(ticket);
      await appendTicketEvents(tx, this.names, { id, status: ticket.status as TicketStatus, version: ticket.version }, events, patch);
    });
    return this.find(id);
  }
}

/** The content's first line, cut after 40 characters (code points: an emoji or a rare 汉字 such as 𠮷 is never cut in half). */
function summaryTitle(content: string): string {
  const firstLine = content.split(/\r?\n/, 1)[0] ?? content;
  const characters = Array.from(firstLine);
  return characters.length > 40 ? `${characters.slice(0, 40).join('')}…` : firstLine;
}

/** A date alone means that Beijing day; a time is taken as given. */
function beijingStart(value: string): Date {
  return new Date(value.length === 10 ? `${value}T00:00:00+08:00` : value);
}

function beijingEnd(value: string): Date {
  if (value.length !== 10) return new Date(value);
  return new Date(new Date(`${value}T00:00:00+08:00`).getTime() + 86_400_000);
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
}
