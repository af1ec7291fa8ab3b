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
  const byShape = new Map<string, { keys: PatchKey[]; changes: TicketChange[] }>();
  // In id order, the order in which other writers of several tickets (a merge) lock them.
  for (const change of [...changes].sort((a, b) => (a.expected.id < b.expected.id ? -1 : 1))) {
    if (change.events.length === 0) continue;
    const keys = patchKeys(change.patch ?? {});
    let shape = byShape.get(keys.join());
    if (!shape) byShape.set(keys.join(), (shape = { keys, changes: [] }));
    shape.changes.push(change);
  }
  const moved = new Set<string>();
  for (const { keys, changes: group } of byShape.values()) {
    const rows = await db.execute<{ id: string }>(appendStatement(subjects, keys, group));
    for (const row of rows) moved.add(row.id);
  }
  return moved;
}

type PatchKey = keyof NewTicketRow & keyof typeof tickets._.columns;
/** Set from the events themselves, never by a patch. */
const MOVED_ON: readonly string[] = ['status', 'version', 'updatedAt'];

/** The columns a patch sets (drizzle leaves a key whose value is undefined alone, and so does this). */
function patchKeys(patch: Partial<NewTicketRow>): PatchKey[] {
  const keys = Object.keys(patch).filter((key) => patch[key as PatchKey] !== undefined);
  const refused = keys.filter((key) => MOVED_ON.includes(key) || !(key in tickets));
  if (refused.length > 0) throw new Error(`a patch cannot set ${refused.join(', ')}`);
  return keys.sort() as PatchKey[];
}

/** A patch value as PostgreSQL's driver takes it for the column (a Date as ISO text, an array as its literal). */
function driverValue(column: Column, value: unknown): unknown {
  return value === null ? null : column.mapToDriverValue(value);
}

/**
 * Rows as one JSON parameter, read back by `json_to_recordset` with the columns' types: the
 * statement's text (and the statement postgres.js prepares for it) then depends on the patch's
 * columns alone, not on how many tickets, events or messages the batch has. (Arrays of each
 * field would need no JSON, but postgres.js sends a null in a text array as the text "NULL" and
 * cannot send a timestamptz array.)
 */
function recordset(rows: Record<string, unknown>[], columns: string): SQL {
  return sql`json_to_recordset(${JSON.stringify(rows)}::json) as ${sql.raw(columns)}`;
}

/** The statement for changes with the same patch columns. */
function appendStatement(subjects: StreamNames, keys: PatchKey[], changes: TicketChange[]): SQL {
  const columns = keys.map((key) => tickets[key] as Column);
  const input = changes.map(({ expected, events, patch = {} }) => {
    const row: Record<string, unknown> = {
      id: expected.id,
      status: expected.status,
      version: expected.version ?? null,
      next_status: statusAfter(expected.status, events),
      count: events.length,
      updated_at: (events.at(-1) as TicketEvent).occurredAt,
    };
    keys.forEach((key, i) => (row[`p${i}`] = driverValue(columns[i] as Column, patch[key])));
    return row;
  });
  const inputColumns = [
    'id uuid, status text, version int, next_status text, count int, updated_at timestamptz',
    ...columns.map((column, i) => `p${i} ${column.getSQLType()}`),
  ].join(', ');
  const history = changes.flatMap(({ events }) =>
    events.map((e, i) => ({
      id: e.id,
      ticket_id: e.ticketId,
      i,
      type: e.type,
      occurred_at: e.occurredAt,
      actor_role: e.actor.role,
      actor_id: e.actor.id,
      request_id: e.requestId,
      data: e.data,
    })),
  );
  let n = 0;
  const messages = changes.flatMap(({ expected, events, extra = [] }) =>
    outboxRows(subjects, events, extra).map((m) => ({ n: n++, ticket_id: expected.id, id: m.id, subject: m.subject, payload: m.payload })),
  );
  const assignments = sql.join(
    [
      sql`status = i.next_status`,
      sql`version = t.version + i.count`,
      sql`updated_at = i.updated_at`,
      ...columns.map((column, i) => sql`${sql.identifier(column.name)} = i.${sql.raw(`p${i}`)}`),
    ],
    sql`, `,
  );
  return sql`
    with moved as (
      update ${tickets} as t set ${assignments}
      from ${recordset(input, `i (${inputColumns})`)}
      -- The ids again as an array: a prepared statement's generic plan knows nothing of how many
      -- rows the JSON holds, and would join it with a scan of every ticket.
      where t.id = any(${sql.param(changes.map((c) => c.expected.id))}::uuid[])
        and t.id = i.id and t.status = i.status and (i.version is null or t.version = i.version)
      returning t.id, t.version - i.count as first_seq
    ),
    new_events as (
      insert into ${ticketEvents} (id, ticket_id, seq, type, occurred_at, actor_role, actor_id, request_id, data)
      select e.id, e.ticket_id, moved.first_seq + e.i, e.type, e.occurred_at, e.actor_role, e.actor_id, e.request_id, e.data
      from ${recordset(history, 'e (id uuid, ticket_id uuid, i int, type text, occurred_at timestamptz, actor_role text, actor_id text, request_id text, data jsonb)')}
      join moved on moved.id = e.ticket_id
    ),
    new_outbox as (
      insert into ${outbox} (id, subject, payload)
      select m.id, m.subject, m.payload
      from ${recordset(messages, 'm (n int, ticket_id uuid, id uuid, subject text, payload jsonb)')}
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
