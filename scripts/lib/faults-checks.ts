/**
 * What the fault suite verifies once the pipeline has settled: every accepted ticket is
 * stored, dispatched and delivered once to its main department's durable; its history is
 * whole and every event of it is in the tickets stream exactly once; the outbox is empty;
 * every NATS node holds the same streams. Results are booked to the fault phase in which
 * each ticket was accepted.
 */
import type { Bus } from '@hotline/bus';
import { DeliverPolicy } from '@nats-io/jetstream';
import type postgres from 'postgres';
import type { Delivery } from './faults-departments';
import type { AcceptedTicket, PhaseLoad } from './faults-load';
import type { NatsCluster, ReplicaState } from './faults-processes';

/** Statuses a ticket reaches only through `dispatched`. */
const DISPATCHED_OR_LATER = new Set(['dispatched', 'accepted', 'returned', 'replied', 'callback_pending', 'closed', 'reopened']);
/** Each ticket's history holds all of these; classified or triaged, whichever the model chose. */
const REQUIRED_EVENTS = [['received'], ['classified', 'triaged'], ['dispatched']] as const;

export interface TicketProblem {
  ticketId: string;
  phase: string;
  problem: string;
}

export interface PhaseCounts {
  phase: string;
  accepted: number;
  lost: number;
  duplicated: number;
  missingEvents: number;
  retries: number;
  note: string;
}

export interface Verdict {
  phases: PhaseCounts[];
  total: PhaseCounts;
  /** Problems that belong to no single accepted ticket. */
  global: { what: string; count: number; detail?: string }[];
  problems: TicketProblem[];
  replicas: { node: string; streams: ReplicaState[] | null }[];
  ok: boolean;
}

interface TicketRow {
  id: string;
  status: string;
  department_code: string | null;
  co_departments: string[];
  version: number;
}

interface EventRow {
  id: string;
  ticket_id: string;
  seq: number;
  type: string;
}

/** Every message of a stream, from the first to the last it holds now, through an ordered consumer. */
export async function readStream<T>(bus: Bus, stream: string, pick: (data: unknown, subject: string, seq: number) => T): Promise<T[]> {
  const info = await bus.jsm.streams.info(stream);
  const last = info.state.last_seq;
  if (info.state.messages === 0) return [];
  const consumer = await bus.js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume({ max_messages: 1_000 });
  const out: T[] = [];
  for await (const m of messages) {
    let data: unknown = null;
    try {
      data = m.json();
    } catch {
      // counted by the caller as a message it cannot read
    }
    out.push(pick(data, m.subject, m.seq));
    if (m.seq >= last) break;
  }
  await messages.close();
  return out;
}

function field(data: unknown, name: string): string | null {
  if (typeof data !== 'object' || data === null || !(name in data)) return null;
  const v = (data as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : null;
}

export interface CheckInput {
  sql: postgres.Sql;
  bus: Bus;
  cluster: NatsCluster;
  accepted: AcceptedTicket[];
  phases: { name: string; note: string }[];
  load: Map<string, PhaseLoad>;
  deliveries: Delivery[];
  /** Appeals refused (4xx) or never answered: not accepted, reported. */
  rejected: number;
  unanswered: number;
  invalidDispatchMessages: number;
}

export async function verify(input: CheckInput): Promise<Verdict> {
  const { sql, bus } = input;
  const tickets = await sql<TicketRow[]>`select id, status, department_code, co_departments, version from tickets`;
  const events = await sql<EventRow[]>`select id, ticket_id, seq, type from ticket_events`;
  const [unsent] = await sql<{ n: number }[]>`select count(*)::int as n from outbox where sent_at is null`;
  const streamEvents = await readStream(bus, bus.names.tickets, (data) => field(data, 'id'));
  const dispatchInStream = await readStream(bus, bus.names.dispatch, (data, subject, seq) => ({
    ticketId: field(data, 'ticketId'),
    department: field(data, 'department'),
    subject,
    seq,
  }));

  const ticketById = new Map(tickets.map((t) => [t.id, t]));
  const eventsByTicket = new Map<string, EventRow[]>();
  for (const e of events) {
    const list = eventsByTicket.get(e.ticket_id) ?? [];
    list.push(e);
    eventsByTicket.set(e.ticket_id, list);
  }
  const inStream = new Map<string, number>();
  let unreadable = 0;
  for (const id of streamEvents) {
    if (id === null) unreadable += 1;
    else inStream.set(id, (inStream.get(id) ?? 0) + 1);
  }
  // department|ticket -> distinct stream messages the department's durable delivered
  const delivered = new Map<string, Delivery[]>();
  for (const d of input.deliveries) {
    const k = `${d.department}|${d.ticketId}`;
    const list = delivered.get(k) ?? [];
    list.push(d);
    delivered.set(k, list);
  }
  const deliveredTo = new Map<string, Set<string>>();
  for (const d of input.deliveries) {
    const set = deliveredTo.get(d.ticketId) ?? new Set<string>();
    set.add(d.department);
    deliveredTo.set(d.ticketId, set);
  }

  const problems: TicketProblem[] = [];
  const counts = new Map<string, PhaseCounts>();
  const phaseNote = new Map(input.phases.map((p) => [p.name, p.note]));
  const order = input.phases.map((p) => p.name);
  const countsOf = (phase: string): PhaseCounts => {
    let c = counts.get(phase);
    if (!c) {
      const load = input.load.get(phase);
      c = {
        phase,
        accepted: 0,
        lost: 0,
        duplicated: 0,
        missingEvents: 0,
        retries: (load?.transportErrors ?? 0) + (load?.retriedAnswers ?? 0),
        note: phaseNote.get(phase) ?? '',
      };
      counts.set(phase, c);
    }
    return c;
  };
  for (const p of order) countsOf(p);

  let coMissing = 0;
  const acceptedIds = new Set<string>();
  for (const a of input.accepted) {
    const c = countsOf(a.phase);
    c.accepted += 1;
    if (acceptedIds.has(a.id)) {
      problems.push({ ticketId: a.id, phase: a.phase, problem: 'two Idempotency-Keys answered with the same ticket' });
      continue;
    }
    acceptedIds.add(a.id);
    const note = (problem: string) => problems.push({ ticketId: a.id, phase: a.phase, problem });
    const row = ticketById.get(a.id);

    let lost = false;
    if (!row) {
      note('accepted with a 2xx but not in the database');
      lost = true;
    } else {
      if (!DISPATCHED_OR_LATER.has(row.status)) {
        note(`status ${row.status}, never dispatched`);
        lost = true;
      }
      const main = row.department_code;
      const mainCopies = main ? (delivered.get(`${main}|${a.id}`) ?? []).filter((d) => d.role === 'main') : [];
      if (main && DISPATCHED_OR_LATER.has(row.status) && mainCopies.length === 0) {
        note(`dispatched to ${main}, but the durable ${`dept-${main}`} never delivered it`);
        lost = true;
      }
      const elsewhere = [...(deliveredTo.get(a.id) ?? [])].filter((d) => d !== main && !row.co_departments.includes(d));
      if (elsewhere.length > 0) {
        note(`delivered to ${elsewhere.join(', ')}, but the ticket names ${main ?? 'no department'}`);
        lost = true;
      }
      for (const co of row.co_departments) {
        if ((delivered.get(`${co}|${a.id}`) ?? []).length === 0) {
          coMissing += 1;
          note(`co-handling copy never reached dept-${co}`);
        }
      }
    }
    if (lost) c.lost += 1;

    let duplicated = false;
    for (const code of deliveredTo.get(a.id) ?? []) {
      const copies = delivered.get(`${code}|${a.id}`) ?? [];
      if (copies.length > 1) {
        duplicated = true;
        const sameMsgId = new Set(copies.map((d) => d.msgId)).size < copies.length;
        const events = new Set(copies.map((d) => d.eventId)).size;
        note(
          `dept-${code} got it ${copies.length} times as a new ticket (stream seqs ${copies.map((d) => d.streamSeq).join(', ')}; ` +
            `${sameMsgId ? 'one Nats-Msg-Id published twice' : `${events} dispatched event(s)`})`,
        );
      }
    }
    if (duplicated) c.duplicated += 1;

    if (row) {
      const history = (eventsByTicket.get(a.id) ?? []).sort((x, y) => x.seq - y.seq);
      const gaps = history.length !== row.version || history.some((e, i) => e.seq !== i);
      const missingTypes = REQUIRED_EVENTS.filter((types) => !history.some((e) => (types as readonly string[]).includes(e.type))).map((types) => types.join(' or '));
      const notPublished = history.filter((e) => !inStream.has(e.id));
      const publishedTwice = history.filter((e) => (inStream.get(e.id) ?? 0) > 1);
      if (gaps) note(`history seqs ${history.map((e) => e.seq).join(',')} for version ${row.version}`);
      if (missingTypes.length > 0) note(`history lacks ${missingTypes.join(', ')}`);
      if (notPublished.length > 0) note(`events not in ${bus.names.tickets}: ${notPublished.map((e) => e.type).join(', ')}`);
      if (publishedTwice.length > 0) note(`events twice in ${bus.names.tickets}: ${publishedTwice.map((e) => e.type).join(', ')}`);
      if (gaps || missingTypes.length > 0 || notPublished.length > 0 || publishedTwice.length > 0) c.missingEvents += 1;
    }
  }

  const eventIds = new Set(events.map((e) => e.id));
  const streamOnly = [...inStream.keys()].filter((id) => !eventIds.has(id)).length;
  const orphans = tickets.filter((t) => !acceptedIds.has(t.id)).length;
  const dispatchKeys = new Map<string, number>();
  for (const m of dispatchInStream) {
    const k = `${m.department}|${m.ticketId}`;
    dispatchKeys.set(k, (dispatchKeys.get(k) ?? 0) + 1);
  }
  const dispatchStreamDuplicates = [...dispatchKeys.values()].filter((n) => n > 1).length;

  const replicas = await Promise.all(input.cluster.nodes.map(async (n) => ({ node: n.name, streams: await input.cluster.replicas(n) })));
  const replicaMismatch = replicaDifferences(replicas);

  const global = [
    { what: 'outbox rows not yet published', count: unsent?.n ?? 0 },
    { what: 'tickets in the database no 2xx answered for (a retry created a second ticket?)', count: orphans },
    { what: 'appeals refused with a 4xx', count: input.rejected },
    { what: 'appeals still failing when the suite stopped retrying', count: input.unanswered },
    { what: `events in ${bus.names.tickets} not in any history`, count: streamOnly },
    { what: `unreadable messages in ${bus.names.tickets}`, count: unreadable },
    { what: `ticket/department pairs with 2+ messages in ${bus.names.dispatch}`, count: dispatchStreamDuplicates },
    { what: 'dispatch messages not valid for their department', count: input.invalidDispatchMessages },
    { what: 'co-handling copies that never reached their department', count: coMissing },
    { what: 'NATS nodes whose streams differ from the others (or that do not answer)', count: replicaMismatch.length, detail: replicaMismatch.join('; ') },
  ];

  const phases = order.map((p) => countsOf(p)).concat([...counts.values()].filter((c) => !order.includes(c.phase)));
  const total: PhaseCounts = {
    phase: 'total',
    accepted: phases.reduce((s, p) => s + p.accepted, 0),
    lost: phases.reduce((s, p) => s + p.lost, 0),
    duplicated: phases.reduce((s, p) => s + p.duplicated, 0),
    missingEvents: phases.reduce((s, p) => s + p.missingEvents, 0),
    retries: phases.reduce((s, p) => s + p.retries, 0),
    note: '',
  };
  const ok = total.lost === 0 && total.duplicated === 0 && total.missingEvents === 0 && problems.length === 0 && global.every((g) => g.count === 0);
  return { phases, total, global, problems, replicas, ok };
}

/** Nodes whose replica of a stream holds other messages than the most common answer. */
function replicaDifferences(replicas: { node: string; streams: ReplicaState[] | null }[]): string[] {
  const out: string[] = [];
  const names = new Set(replicas.flatMap((r) => (r.streams ?? []).map((s) => s.stream)));
  for (const r of replicas) if (!r.streams) out.push(`${r.node} does not answer`);
  for (const name of names) {
    const states = replicas.filter((r) => r.streams).map((r) => ({ node: r.node, s: r.streams?.find((x) => x.stream === name) }));
    const key = (s: ReplicaState | undefined) => (s ? `${s.messages}/${s.lastSeq}` : 'missing');
    const tally = new Map<string, number>();
    for (const st of states) tally.set(key(st.s), (tally.get(key(st.s)) ?? 0) + 1);
    const common = [...tally.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    for (const st of states) if (key(st.s) !== common) out.push(`${st.node} ${name} ${key(st.s)} (others ${common})`);
  }
  return out;
}

function pad(cells: string[], widths: number[], right: boolean[]): string {
  return cells.map((c, i) => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ');
}

/** The per-fault table, the global checks and the first problems, as printed lines. */
export function formatVerdict(v: Verdict): string[] {
  const head = ['fault phase', 'accepted', 'lost', 'duplicated', 'missing events', 'retried', 'note'];
  const right = [false, true, true, true, true, true, false];
  const rows = [...v.phases, v.total].map((p) => [
    p.phase,
    String(p.accepted),
    String(p.lost),
    String(p.duplicated),
    String(p.missingEvents),
    String(p.retries),
    p.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const lines = [pad(head, widths, right), rule];
  rows.forEach((r, i) => {
    if (i === rows.length - 1) lines.push(rule);
    lines.push(pad(r, widths, right).trimEnd());
  });
  lines.push('');
  lines.push('checks across all tickets (each must be 0):');
  for (const g of v.global) lines.push(`  ${String(g.count).padStart(5)}  ${g.what}${g.detail ? `: ${g.detail}` : ''}`);
  lines.push('');
  lines.push('NATS replicas (messages / last seq per stream, each node its own copy):');
  for (const r of v.replicas) {
    const streams = r.streams ? r.streams.map((s) => `${s.stream} ${s.messages}/${s.lastSeq} (leader ${s.leader ?? '?'})`).join(', ') : 'no answer';
    lines.push(`  ${r.node}: ${streams}`);
  }
  if (v.problems.length > 0) {
    lines.push('');
    lines.push(`problems (${v.problems.length}; first 40):`);
    for (const p of v.problems.slice(0, 40)) lines.push(`  [${p.phase}] ${p.ticketId}: ${p.problem}`);
  }
  return lines;
}
