import { createHash } from 'node:crypto';
import { HotlineError, notFound, type CreateTicketBody, type ListTicketsQuery, type StreamNames, type TicketEvent } from '@hotline/contracts';
import {
  appendTicketEvents,
  idempotencyKeys,
  insertEvents,
  newTicketEvent,
  ticketEvents,
  ticketNumberCounters,
  tickets,
  type Db,
  type EventContext,
  type NewTicketRow,
  type TicketEventRow,
  type TicketRow,
  type Tx,
} from '@hotline/db';
import { beijingDateKey, maskPhone, normalizePhone, type TicketStatus } from '@hotline/domain';
import { and, asc, desc, eq, gte, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';

/**
 * The next human number of the Beijing day, e.g. 20261123-000042. Taken in its own
 * statement so the counter row is locked for microseconds, not for the whole intake
 * transaction; a number lost to a failed transaction leaves a gap, never a duplicate.
 */
async function nextTicketNumber(db: Db, at: Date): Promise<string> {
  const day = beijingDateKey(at).replaceAll('-', '');
  const [row] = await db
    .insert(ticketNumberCounters)
    .values({ day, last: 1 })
    .onConflictDoUpdate({ target: ticketNumberCounters.day, set: { last: sql`${ticketNumberCounters.last} + 1` } })
    .returning({ last: ticketNumberCounters.last });
  return `${day}-${String(row?.last ?? 0).padStart(6, '0')}`;
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
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
  constructor(
    private readonly db: Db,
    private readonly names: StreamNames,
  ) {}

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
    const number = await nextTicketNumber(this.db, now);
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
      await this.db.transaction(async (tx) => {
        await tx.insert(tickets).values(row);
        await insertEvents(tx, this.names, [event], 0);
        if (idempotency) {
          await tx.insert(idempotencyKeys).values({ apiKeyId: idempotency.apiKeyId, key: idempotency.key, requestHash: hash as string, ticketId: id });
        }
      });
    } catch (err) {
      // The same key raced in from another request: answer as that one did.
      if (idempotency && isUniqueViolation(err)) {
        const earlier = await this.findByIdempotencyKey(idempotency, hash as string);
        if (earlier) return earlier;
      }
      throw err;
    }
    const ticket = await this.find(id);
    return { ticket, history: await this.history(id), replayed: false };
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
    return { ticket: await this.find(earlier.ticketId), history: await this.history(earlier.ticketId), replayed: true };
  }

  async find(id: string): Promise<TicketRow> {
    const [row] = await this.db.select().from(tickets).where(eq(tickets.id, id));
    if (!row) throw notFound('ticket');
    return row;
  }

  async history(id: string): Promise<TicketEventRow[]> {
    return this.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, id)).orderBy(asc(ticketEvents.seq));
  }

  /** Newest first; the cursor is the last row's (created_at, id). */
  async list(query: ListTicketsQuery): Promise<{ items: TicketRow[]; nextCursor: string | null }> {
    const where: SQL[] = [];
    if (query.status) where.push(eq(tickets.status, query.status));
    if (query.type) where.push(eq(tickets.type, query.type));
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
      const cursor = decodeCursor(query.cursor);
      where.push(sql`(${tickets.createdAt}, ${tickets.id}) < (${cursor.createdAt.toISOString()}::timestamptz, ${cursor.id}::uuid)`);
    }
    const rows = await this.db
      .select()
      .from(tickets)
      .where(and(...where))
      .orderBy(desc(tickets.createdAt), desc(tickets.id))
      .limit(query.limit + 1);
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
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

function summaryTitle(content: string): string {
  const firstLine = content.split(/\r?\n/, 1)[0] ?? content;
  return firstLine.length > 40 ? `${firstLine.slice(0, 40)}…` : firstLine;
}

/** A date alone means that Beijing day; a time is taken as given. */
function beijingStart(value: string): Date {
  return new Date(value.length === 10 ? `${value}T00:00:00+08:00` : value);
}

function beijingEnd(value: string): Date {
  if (value.length !== 10) return new Date(value);
  return new Date(new Date(`${value}T00:00:00+08:00`).getTime() + 86_400_000);
}

function encodeCursor(row: TicketRow): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new HotlineError('validation_failed', 'invalid querystring.cursor: use the nextCursor of the previous page', {
      fields: [{ field: 'querystring.cursor', message: 'not a cursor from this API' }],
    });
  }
  return { createdAt, id };
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
}
