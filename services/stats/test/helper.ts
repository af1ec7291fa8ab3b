import type { EventDataMap, TicketEventType } from '@hotline/contracts';
import { ticketEvents, tickets, type Db } from '@hotline/db';
import { Cleanup, createTestBus, createTestDatabase, NATS_URL, testLogger, uniqueName } from '@hotline/testkit';
import { uuidv7 } from 'uuidv7';
import { buildStatsApp } from '../src/app';
import { loadStatsConfig } from '../src/config';

interface Tap {
  teardown(fn: () => unknown): void;
}

export const manager = { authorization: 'Bearer dev-manager' };
export const admin = { authorization: 'Bearer dev-admin' };
export const agent = { authorization: 'Bearer dev-agent' };

/** A stats app on a database of its own; the summary timer is off unless asked for. */
export async function buildTestStats(t: Tap, options: { now?: () => Date; env?: Record<string, string> } = {}) {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  // Streams of its own, deleted at the end (the service creates them at start).
  const bus = await createTestBus(cleanup, uniqueName('stats'));
  const config = loadStatsConfig({
    DATABASE_URL: database.url,
    NATS_URL,
    NATS_PREFIX: bus.prefix,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_MAX: '4',
    STATS_REFRESH_INTERVAL_MS: '0',
    ...options.env,
  });
  const app = await buildStatsApp(config, testLogger, { now: options.now });
  cleanup.teardown(() => app.close());
  await app.ready();
  return { app, database };
}

/** One step of a generated history: an event type, when it happened (ISO with offset), its data. */
export type Step = { [K in TicketEventType]: [K, string, EventDataMap[K]] }[TicketEventType];

export interface GeneratedTicket {
  /** When it was received: the `received` event and the row's creation. */
  at: string;
  channel?: 'phone' | 'web' | 'wechat' | 'app' | 'sms' | 'email' | 'other';
  district?: string | null;
  street?: string | null;
  category?: string | null;
  department?: string | null;
  title?: string;
  content?: string;
  status?: string;
  acceptDeadline?: string | null;
  replyDeadline?: string | null;
  steps?: Step[];
}

let counter = 0;

/**
 * Writes a ticket and its whole history straight into the tables, at the times given, so a
 * test knows every figure by construction. The ticket row holds what the projection would.
 */
export async function generateTicket(db: Db, g: GeneratedTicket): Promise<{ id: string; number: string }> {
  const id = uuidv7();
  counter += 1;
  const number = `${g.at.slice(0, 10).replaceAll('-', '')}-${String(counter).padStart(6, '0')}`;
  const at = new Date(g.at);
  const steps = g.steps ?? [];
  const last = steps.at(-1);
  const title = g.title ?? '小区夜间施工噪音扰民';
  const content = g.content ?? '小区旁工地每天晚上十一点后仍在施工，噪音很大，严重影响居民休息。';
  const channel = g.channel ?? 'phone';
  await db.insert(tickets).values({
    id,
    number,
    channel,
    type: 'complaint',
    urgency: 'normal',
    callerName: '张先生',
    callerPhone: null,
    title,
    content,
    district: g.district ?? null,
    street: g.street ?? null,
    categoryCode: g.category === undefined ? '01.02.01' : g.category,
    departmentCode: g.department ?? null,
    acceptDeadline: g.acceptDeadline ? new Date(g.acceptDeadline) : null,
    replyDeadline: g.replyDeadline ? new Date(g.replyDeadline) : null,
    status: g.status ?? (last ? last[0] : 'received'),
    version: steps.length + 1,
    createdBy: 'test',
    createdAt: at,
    updatedAt: last ? new Date(last[1]) : at,
  });
  const received: Step = [
    'received',
    g.at,
    {
      ticket: {
        number,
        channel,
        type: 'complaint',
        urgency: 'normal',
        title,
        content,
        caller: { name: '张先生', phoneMasked: null, anonymous: false },
        location: { district: g.district ?? null, street: g.street ?? null, address: null },
      },
    },
  ];
  await db.insert(ticketEvents).values(
    [received, ...steps].map(([type, when, data], i) => ({
      id: uuidv7(),
      ticketId: id,
      seq: i + 1,
      type,
      occurredAt: new Date(when),
      actorRole: 'system',
      actorId: 'test',
      requestId: null,
      data,
    })),
  );
  return { id, number };
}

/** Beijing time: `bj('2026-03-02 09:10')` → ISO with +08:00. */
export const bj = (text: string) => `${text.replace(' ', 'T')}${text.length === 16 ? ':00' : ''}+08:00`;

const callbackId = () => uuidv7();

export const step = {
  dispatched: (at: string, department: string, acceptDeadline: string, replyDeadline: string): Step => [
    'dispatched',
    bj(at),
    { department, coDepartments: [], acceptDeadline: bj(acceptDeadline), replyDeadline: bj(replyDeadline), catalogueVersion: null },
  ],
  accepted: (at: string, department: string, acceptDeadline: string | null): Step => [
    'accepted',
    bj(at),
    { department, acceptDeadline: acceptDeadline ? bj(acceptDeadline) : null },
  ],
  returned: (at: string, department: string): Step => ['returned', bj(at), { department, reason: '不属于本单位职责' }],
  replied: (at: string, department: string, replyDeadline: string | null): Step => [
    'replied',
    bj(at),
    { department, result: 'resolved', reply: '已处理。', replyDeadline: replyDeadline ? bj(replyDeadline) : null },
  ],
  answer: (
    at: string,
    department: string,
    resolved: 'resolved' | 'partly' | 'unresolved',
    satisfaction: 'very_satisfied' | 'satisfied' | 'basically_satisfied' | 'dissatisfied' | 'very_dissatisfied',
    reopenRequested = false,
  ): Step => [
    'callback_recorded',
    bj(at),
    { callbackId: callbackId(), department, via: 'phone', reached: true, resolved, satisfaction, comment: null, reopenRequested },
  ],
  unreached: (at: string, department: string): Step => [
    'callback_recorded',
    bj(at),
    { callbackId: callbackId(), department, via: 'phone', reached: false, resolved: null, satisfaction: null, comment: null, reopenRequested: false },
  ],
  closed: (at: string, department: string, reason: 'rated' | 'unreachable' = 'rated'): Step => ['closed', bj(at), { reason, department }],
  reopened: (at: string, department: string, cycle: number): Step => ['reopened', bj(at), { department, comment: '没有解决', cycle, supervision: false }],
  answered: (at: string): Step => ['answered', bj(at), { answer: '已答复政策咨询。' }],
  transferred: (at: string): Step => ['transferred', bj(at), { service: '110', note: null }],
  merged: (at: string, into: string): Step => ['merged', bj(at), { into }],
  overdue: (at: string, deadline: 'accept' | 'reply', due: string, department?: string): Step => ['overdue', bj(at), { deadline, due: bj(due), ...(department ? { department } : {}) }],
};
