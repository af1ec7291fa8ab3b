import { HotlineError, type StreamNames, type TicketEvent, type TicketEventType, type EventDataMap } from '@hotline/contracts';
import { applyEvent, IllegalTransitionError, type Actor, type TicketStatus } from '@hotline/domain';
import { and, eq, sql, type Column, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from './client';
import { outbox, ticketEvents, tickets, type NewTicketRow, type TicketEventRow } from './schema';

export interface EventContext {
  actor: Actor;
  requestId: string | null;
  at?: Date;
}

export function newTicketEvent<K extends TicketEventType>(
  ticketId: string,
  type: K,
  data: EventDataMap[K],
  ctx: EventContext,
): TicketEvent<K> {
  return {
    id: uuidv7(),
    type,
    ticketId,
    occurredAt: (ctx.at ?? new Date()).toISOString(),
    actor: ctx.actor,
    requestId: ctx.requestId,
    data,
  } as TicketEvent<K>;
}

/** A message published through the outbox besides the ticket event itself (e.g. dispatch). */
export interface OutboxMessage {
  id: string;
  subject: string;
  payload: unknown;
}

export interface TicketVersion {
  id: string;
  status: TicketStatus;
  version: number;
}

/** The ticket's new projection after `events`: the patch, their status and version, updated when the last happened. */
function movedOn(patch: Partial<NewTicketRow>, status: TicketStatus, version: number, events: TicketEvent[]) {
  return { ...patch, status, version, updatedAt: new Date(events.at(-1)?.occurredAt ?? Date.now()) };
}

/** The status `events` lead to from `from`, or a 409-style error naming the first illegal one. */
function statusAfter(from: TicketStatus, events: TicketEvent[]): TicketStatus {
  let status = from;
  for (const e of events) {
    try {
      status = applyEvent(status, e.type);
    } catch (err) {
      if (err instanceof IllegalTransitionError) {
        throw new HotlineError('illegal_transition', `a ticket that is ${err.from} cannot take "${err.event}"`, {
          status: err.from,
          event: err.event,
        });
      }
      throw err;
    }
  }
  return status;
}

/**
 * Appends events to a ticket inside the caller's transaction: checks each transition
 * against the state machine, writes the history rows and their outbox rows, and moves the
 * ticket's projection on, guarded by its version so a concurrent writer gets a 409
 * instead of a lost update.
 */
export async function appendTicketEvents(
  tx: Tx,
  subjects: StreamNames,
  ticket: TicketVersion,
  events: TicketEvent[],
  patch: Partial<NewTicketRow> = {},
  extra: OutboxMessage[] = [],
): Promise<TicketStatus> {
  const status = statusAfter(ticket.status, events);
  // The update and the inserts go out pipelined on the transaction's connection; the
  // version guard is judged first, so a concurrent writer is a 409 whatever else failed.
  const [updated, inserted] = await Promise.allSettled([
    tx
      .update(tickets)
      .set(movedOn(patch, status, ticket.version + events.length, events))
      .where(and(eq(tickets.id, ticket.id), eq(tickets.version, ticket.version)))
      .returning({ id: tickets.id })
      .execute(),
    insertEvents(tx, subjects, events, ticket.version, extra),
  ]);
  if (updated.status === 'rejected') throw updated.reason;
  if (updated.value.length === 0) throw new HotlineError('conflict', 'the ticket was changed by someone else; reload and try again');
  if (inserted.status === 'rejected') throw inserted.reason;
  return status;
}

/** What a ticket must still be for `appendTicketEventsIfUnchanged` to move it on. */
export interface ExpectedTicket {
  id: string;
  status: TicketStatus;
  /** Omitted when the events depend on nothing but the status (e.g. classifying a received ticket). */
  version?: number;
}

/** One ticket's part of `appendToTicketsIfUnchanged`. */
export interface TicketChange {
  expected: ExpectedTicket;
  events: TicketEvent[];
  patch?: Partial<NewTicketRow>;
  /** Messages published after the events (e.g. dispatch work items). */
  extra?: OutboxMessage[];
}

/**
 * Appends events in one statement of its own, without a transaction: the ticket moves on
 * only if it is still as `expected`, and its history and outbox rows are written only if it
 * did. Returns whether it moved; a ticket changed meanwhile is left as it is. For consumers,
 * whose redelivered or overtaken events must change nothing: one round trip instead of a
 * transaction's four (begin, select for update, the writes, commit).
 */
export async function appendTicketEventsIfUnchanged(
  db: Db | Tx,
  subjects: StreamNames,
  expected: ExpectedTicket,
  events: TicketEvent[],
  patch: Partial<NewTicketRow> = {},
  extra: OutboxMessage[] = [],
): Promise<boolean> {
  const moved = await appendToTicketsIfUnchanged(db, subjects, [{ expected, events, patch, extra }]);
  return moved.has(expected.id);
}

/**
 * `appendTicketEventsIfUnchanged` for many tickets at once, as a consumer does for the messages
 * that queued up while it wrote the last ones: one statement per shape of patch (the columns it
 * sets), so PostgreSQL commits, and the consumer writes to its socket, once for all of them.
 * Each ticket moves or stays on its own. Returns the ids of the tickets that moved.
 */
export async function appendToTicketsIfUnchanged(db: Db | Tx, subjects: StreamNames, changes: TicketChange[]): Promise<Set<string>> {
  const ids = new Set(changes.map((c) => c.expected.id));
  if (ids.size < changes.length) throw new Error('one change per ticket: a ticket cannot move twice in one statement');
  const byShape = new Map<string, TicketChange[]>();
  for (const change of changes) {
    if (change.events.length === 0) continue;
    const shape = Object.keys(change.patch ?? {}).sort().join();
    byShape.set(shape, [...(byShape.get(shape) ?? []), change]);
  }
  const moved = new Set<string>();
  for (const [shape, group] of byShape) {
    const rows = await db.execute<{ id: string }>(appendStatement(subjects, shape === '' ? [] : (shape.split(',') as PatchKey[]), group));
    for (const row of rows) moved.add(row.id);
  }
  return moved;
}

type PatchKey = keyof NewTicketRow & keyof typeof tickets._.columns;

/** A value as a parameter of `column`'s type, cast so that a VALUES list knows it. */
function typed(column: Column, value: unknown): SQL {
  return sql`${sql.param(value, column)}::${sql.raw(column.getSQLType())}`;
}

function appendStatement(subjects: StreamNames, keys: PatchKey[], changes: TicketChange[]): SQL {
  const columns = keys.map((key) => tickets[key] as Column);
  const input = sql.join(
    changes.map(({ expected, events, patch = {} }) => {
      const status = statusAfter(expected.status, events);
      const values = [
        sql`${expected.id}::uuid`,
        sql`${expected.status}::text`,
        sql`${expected.version ?? null}::int`,
        sql`${status}::text`,
        sql`${events.length}::int`,
        sql`${(events.at(-1) as TicketEvent).occurredAt}::timestamptz`,
        ...keys.map((key, i) => typed(columns[i] as Column, patch[key])),
      ];
      return sql`(${sql.join(values, sql`, `)})`;
    }),
    sql`, `,
  );
  const patchNames = keys.map((_, i) => sql.raw(`p${i}`));
  const history = sql.join(
    changes.flatMap(({ events }) =>
      events.map(
        (e, i) =>
          sql`(${e.id}::uuid, ${e.ticketId}::uuid, ${i}::int, ${e.type}::text, ${e.occurredAt}::timestamptz, ${e.actor.role}::text, ${e.actor.id}::text, ${e.requestId}::text, ${JSON.stringify(e.data)}::jsonb)`,
      ),
    ),
    sql`, `,
  );
  let n = 0;
  const messages = sql.join(
    changes.flatMap(({ expected, events, extra = [] }) =>
      outboxRows(subjects, events, extra).map((m) => sql`(${n++}::int, ${expected.id}::uuid, ${m.id}::uuid, ${m.subject}::text, ${JSON.stringify(m.payload)}::jsonb)`),
    ),
    sql`, `,
  );
  const assignments = sql.join(
    [
      sql`status = i.next_status`,
      sql`version = t.version + i.count`,
      sql`updated_at = i.updated_at`,
      ...columns.map((column, i) => sql`${sql.identifier(column.name)} = i.${patchNames[i]}`),
    ],
    sql`, `,
  );
  return sql`
    with input (id, status, version, next_status, count, updated_at${sql.join(patchNames.map((p) => sql`, ${p}`))}) as (values ${input}),
    moved as (
      update ${tickets} as t set ${assignments}
      from input i
      where t.id = i.id and t.status = i.status and (i.version is null or t.version = i.version)
      returning t.id, t.version - i.count as first_seq
    ),
    new_events as (
      insert into ${ticketEvents} (id, ticket_id, seq, type, occurred_at, actor_role, actor_id, request_id, data)
      select e.id, e.ticket_id, moved.first_seq + e.i, e.type, e.occurred_at, e.actor_role, e.actor_id, e.request_id, e.data
      from (values ${history}) as e (id, ticket_id, i, type, occurred_at, actor_role, actor_id, request_id, data)
      join moved on moved.id = e.ticket_id
    ),
    new_outbox as (
      insert into ${outbox} (id, subject, payload)
      select m.id, m.subject, m.payload
      from (values ${messages}) as m (n, ticket_id, id, subject, payload)
      join moved on moved.id = m.ticket_id
      order by m.n
    )
    select id from moved`;
}

/** The history rows of `events`, the first at `firstSeq`. */
export function eventRows(events: TicketEvent[], firstSeq: number): TicketEventRow[] {
  return events.map((e, i) => ({
    id: e.id,
    ticketId: e.ticketId,
    seq: firstSeq + i,
    type: e.type,
    occurredAt: new Date(e.occurredAt),
    actorRole: e.actor.role,
    actorId: e.actor.id,
    requestId: e.requestId,
    data: e.data,
  }));
}

function outboxRows(subjects: StreamNames, events: TicketEvent[], extra: OutboxMessage[]) {
  return [...events.map((e) => ({ id: e.id, subject: subjects.ticketSubject(e.type), payload: e })), ...extra];
}

export async function insertEvents(
  tx: Tx,
  subjects: StreamNames,
  events: TicketEvent[],
  firstSeq: number,
  extra: OutboxMessage[] = [],
): Promise<TicketEventRow[]> {
  if (events.length === 0) return [];
  const rows = eventRows(events, firstSeq);
  // Sent together: postgres.js pipelines the two statements on the transaction's connection.
  await Promise.all([tx.insert(ticketEvents).values(rows), tx.insert(outbox).values(outboxRows(subjects, events, extra))]);
  return rows;
}
