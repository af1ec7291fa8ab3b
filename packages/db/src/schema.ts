import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** 承办单位. */
export const departments = pgTable('departments', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  fullPhone: boolean('full_phone').notNull().default(false),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** The public three-level taxonomy. */
export const categories = pgTable('categories', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  level: smallint('level').notNull(),
  parent: text('parent'),
});

/** 工单. `status` and the deadlines are a projection of the ticket's events. */
export const tickets = pgTable(
  'tickets',
  {
    id: uuid('id').primaryKey(),
    number: text('number').notNull(),
    channel: text('channel').notNull(),
    type: text('type').notNull(),
    urgency: text('urgency').notNull(),
    callerName: text('caller_name'),
    callerPhone: text('caller_phone'),
    callerAnonymous: boolean('caller_anonymous').notNull().default(false),
    title: text('title').notNull(),
    content: text('content').notNull(),
    district: text('district'),
    street: text('street'),
    address: text('address'),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    categoryCode: text('category_code').references(() => categories.code),
    departmentCode: text('department_code').references(() => departments.code),
    coDepartments: text('co_departments').array().notNull().default(sql`'{}'::text[]`),
    confidence: real('confidence'),
    modelVersion: text('model_version'),
    /** The dispatch catalogue version that routed the ticket (派单目录). */
    catalogueVersion: integer('catalogue_version'),
    /** When the current dispatch cycle started: the clock of the accept and reply deadlines. */
    dispatchedAt: ts('dispatched_at'),
    acceptedAt: ts('accepted_at'),
    acceptDeadline: ts('accept_deadline'),
    replyDeadline: ts('reply_deadline'),
    mergedInto: uuid('merged_into'),
    status: text('status').notNull(),
    /** Number of events so far; the next event's `seq`. Guards concurrent writers. */
    version: integer('version').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('tickets_number_key').on(t.number),
    index('tickets_created_at_idx').on(t.createdAt, t.id),
    index('tickets_status_idx').on(t.status, t.createdAt),
    index('tickets_caller_phone_idx').on(t.callerPhone, t.createdAt),
    // Merge candidates (并单): open tickets about the same place in the last 30 days.
    index('tickets_place_idx').on(t.district, t.street, t.createdAt),
    index('tickets_department_idx').on(t.departmentCode, t.createdAt),
    index('tickets_co_departments_idx').using('gin', t.coDepartments),
    index('tickets_accept_deadline_idx').on(t.acceptDeadline).where(sql`status = 'dispatched'`),
    index('tickets_reply_deadline_idx').on(t.replyDeadline).where(sql`status in ('dispatched', 'accepted')`),
  ],
);

/** The append-only history: one row per event, the same event that goes on JetStream. */
export const ticketEvents = pgTable(
  'ticket_events',
  {
    id: uuid('id').primaryKey(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    occurredAt: ts('occurred_at').notNull(),
    actorRole: text('actor_role').notNull(),
    actorId: text('actor_id').notNull(),
    requestId: text('request_id'),
    data: jsonb('data').notNull(),
  },
  (t) => [uniqueIndex('ticket_events_ticket_seq_key').on(t.ticketId, t.seq), index('ticket_events_type_time_idx').on(t.type, t.occurredAt)],
);

/**
 * Transactional outbox: written in the same transaction as the state change, published by
 * the relay in `position` order with `id` as the Nats-Msg-Id.
 */
export const outbox = pgTable(
  'outbox',
  {
    position: bigserial('position', { mode: 'number' }).primaryKey(),
    id: uuid('id').notNull(),
    subject: text('subject').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
  },
  (t) => [index('outbox_unsent_idx').on(t.position).where(sql`sent_at is null`)],
);

/** Daily counters behind the human ticket number (20261123-000042), per Beijing date. */
export const ticketNumberCounters = pgTable('ticket_number_counters', {
  day: text('day').primaryKey(),
  last: integer('last').notNull(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    departmentCode: text('department_code').references(() => departments.code),
    /** sha256 of the key; the key itself is never stored. */
    keyHash: text('key_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_key_hash_key').on(t.keyHash)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    apiKeyId: uuid('api_key_id')
      .notNull()
      .references(() => apiKeys.id),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.key] })],
);

/**
 * `Idempotency-Key` of the departments' actions (签收, 退单, 延期, progress, 办结反馈, extension
 * decisions): the answer a key got, kept so that a retry gets it again. The row is written
 * in the transaction of the action's events. `ticket_id` has no foreign key on purpose: the
 * key is claimed before the ticket row is locked, and a key-share lock taken there would
 * deadlock two clerks acting on one ticket at once.
 */
export const actionIdempotencyKeys = pgTable(
  'action_idempotency_keys',
  {
    apiKeyId: uuid('api_key_id')
      .notNull()
      .references(() => apiKeys.id),
    key: text('key').notNull(),
    /** sha256 of the route, the ticket id and the body: the same key on anything else is a conflict. */
    requestHash: text('request_hash').notNull(),
    route: text('route').notNull(),
    ticketId: uuid('ticket_id').notNull(),
    status: smallint('status').notNull(),
    /** The body answered; null only inside the transaction that claims the key. */
    response: jsonb('response'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.key] })],
);

export type TicketRow = typeof tickets.$inferSelect;
export type NewTicketRow = typeof tickets.$inferInsert;
export type TicketEventRow = typeof ticketEvents.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;

/** Agents' corrections of the model: labelled examples for the next training run. */
export const classificationCorrections = pgTable(
  'classification_corrections',
  {
    id: uuid('id').primaryKey(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    title: text('title').notNull(),
    content: text('content').notNull(),
    /** First-level category name the model suggested, and the one the agent chose. */
    predicted: text('predicted'),
    corrected: text('corrected').notNull(),
    categoryCode: text('category_code')
      .notNull()
      .references(() => categories.code),
    modelVersion: text('model_version'),
    agentId: text('agent_id').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('classification_corrections_created_idx').on(t.createdAt)],
);

/** 派单目录 versions: every edit is a new version; the newest one routes new dispatches. */
export const catalogueVersions = pgTable('catalogue_versions', {
  version: integer('version').primaryKey(),
  rules: jsonb('rules').notNull(),
  note: text('note'),
  createdBy: text('created_by').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** 延期: a department asks for more time; a manager approves or refuses. */
export const extensionRequests = pgTable(
  'extension_requests',
  {
    id: uuid('id').primaryKey(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    departmentCode: text('department_code').notNull(),
    until: ts('until').notNull(),
    reason: text('reason').notNull(),
    status: text('status').notNull(),
    requestedAt: ts('requested_at').notNull(),
    decidedBy: text('decided_by'),
    decidedAt: ts('decided_at'),
  },
  (t) => [uniqueIndex('extension_requests_one_pending').on(t.ticketId).where(sql`status = 'pending'`)],
);

/**
 * One row per (ticket, deadline, due time, stage): the unique key makes each warning and
 * overdue event happen once, whichever watcher replica gets there first.
 */
export const deadlineAlerts = pgTable(
  'deadline_alerts',
  {
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    deadline: text('deadline').notNull(),
    due: ts('due').notNull(),
    stage: text('stage').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.deadline, t.due, t.stage] })],
);

/** 督办: cases for managers (overdue, returned twice, reopened twice). */
export const supervisionCases = pgTable(
  'supervision_cases',
  {
    id: uuid('id').primaryKey(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    departmentCode: text('department_code'),
    reason: text('reason').notNull(),
    detail: jsonb('detail').notNull().default(sql`'{}'::jsonb`),
    createdAt: ts('created_at').notNull().defaultNow(),
    resolvedAt: ts('resolved_at'),
    resolvedBy: text('resolved_by'),
  },
  (t) => [index('supervision_cases_open_idx').on(t.createdAt).where(sql`resolved_at is null`), index('supervision_cases_ticket_idx').on(t.ticketId)],
);

/**
 * 回访: one per reply (`replyEventId`), so a ticket is never asked twice about the same
 * reply, by phone and survey link together. `completedAt` is set by the one answer that counts.
 */
export const callbacks = pgTable(
  'callbacks',
  {
    id: uuid('id').primaryKey(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    replyEventId: uuid('reply_event_id').notNull(),
    /** The handling cycle asked about: 1, then 2 after the first reopen (重办). */
    cycle: integer('cycle').notNull(),
    departmentCode: text('department_code').notNull(),
    due: ts('due').notNull(),
    surveyExpiresAt: ts('survey_expires_at').notNull(),
    /** Unreached phone attempts so far. */
    attempts: integer('attempts').notNull().default(0),
    lastAttemptAt: ts('last_attempt_at'),
    /** rated, reopened or unreachable. */
    outcome: text('outcome'),
    completedVia: text('completed_via'),
    completedAt: ts('completed_at'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('callbacks_reply_event_key').on(t.replyEventId),
    index('callbacks_due_idx').on(t.due).where(sql`completed_at is null`),
    index('callbacks_ticket_idx').on(t.ticketId),
  ],
);
export type CallbackRow = typeof callbacks.$inferSelect;

/*
 * Statistics summaries (services/stats): one row per Beijing day and dimensions, holding
 * the same counts the stats service computes live from ticket_events, so a month is a sum
 * of a few thousand rows. Rebuilt day by day; `stats_summary_days` says which days are kept.
 */
const statsCount = (name: string) => integer(name).notNull().default(0);

/** The counters every statistics summary table keeps (fresh column builders for each table). */
const statsCounters = () => ({
  received: statsCount('received'),
  dispatchedTickets: statsCount('dispatched_tickets'),
  answered: statsCount('answered'),
  transferred: statsCount('transferred'),
  merged: statsCount('merged'),
  dispatches: statsCount('dispatches'),
  accepted: statsCount('accepted'),
  acceptDecided: statsCount('accept_decided'),
  acceptedOnTime: statsCount('accepted_on_time'),
  replied: statsCount('replied'),
  repliedOnTime: statsCount('replied_on_time'),
  returns: statsCount('returns'),
  reopens: statsCount('reopens'),
  overdue: statsCount('overdue'),
  callbacks: statsCount('callbacks'),
  resolved: statsCount('resolved'),
  partlyResolved: statsCount('partly_resolved'),
  unresolved: statsCount('unresolved'),
  verySatisfied: statsCount('very_satisfied'),
  satisfied: statsCount('satisfied'),
  basicallySatisfied: statsCount('basically_satisfied'),
  dissatisfied: statsCount('dissatisfied'),
  veryDissatisfied: statsCount('very_dissatisfied'),
  unreachable: statsCount('unreachable'),
  unreachedAttempts: statsCount('unreached_attempts'),
  modelDecisions: statsCount('model_decisions'),
  routedAutomatically: statsCount('routed_automatically'),
  triagedUnsure: statsCount('triaged_unsure'),
  triagedTooFewWords: statsCount('triaged_too_few_words'),
  triagedUnlabelledCategory: statsCount('triaged_unlabelled_category'),
});

/** Counts of one Beijing day's events, by department, first-level category, district and channel ('' = none). */
export const statsDaily = pgTable(
  'stats_daily',
  {
    day: date('day', { mode: 'string' }).notNull(),
    department: text('department').notNull(),
    category: text('category').notNull(),
    district: text('district').notNull(),
    channel: text('channel').notNull(),
    ...statsCounters(),
  },
  (t) => [primaryKey({ columns: [t.day, t.department, t.category, t.district, t.channel] })],
);

/** Minutes from dispatch to accept (签收) and to reply (办结), two significant figures, counted per day and department. */
export const statsDailyDurations = pgTable(
  'stats_daily_durations',
  {
    day: date('day', { mode: 'string' }).notNull(),
    department: text('department').notNull(),
    kind: text('kind').notNull(),
    minutes: integer('minutes').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.department, t.kind, t.minutes] })],
);

/**
 * The days whose summary rows are kept, when each was last computed, and with which counters
 * (their column names, comma-separated): a day summarised by a release with other counters is
 * counted live and recomputed, so a new counter never reads as zero on past days.
 */
export const statsSummaryDays = pgTable('stats_summary_days', {
  day: date('day', { mode: 'string' }).primaryKey(),
  computedAt: ts('computed_at').notNull(),
  counters: text('counters').notNull().default(''),
});

/**
 * Roll-ups of stats_daily, written with it: the counts per day and department alone, and
 * the category, district and channel mix of the tickets received, so a month without
 * those filters sums a few hundred rows instead of every combination.
 */
export const statsDailyDepartments = pgTable(
  'stats_daily_departments',
  {
    day: date('day', { mode: 'string' }).notNull(),
    department: text('department').notNull(),
    ...statsCounters(),
  },
  (t) => [primaryKey({ columns: [t.day, t.department] })],
);

/** Tickets received per day by one dimension (category, district or channel) and its code. */
export const statsDailyMix = pgTable(
  'stats_daily_mix',
  {
    day: date('day', { mode: 'string' }).notNull(),
    dimension: text('dimension').notNull(),
    code: text('code').notNull(),
    received: integer('received').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.dimension, t.code] })],
);

/** Minutes to accept and to reply per day by one dimension (category, district or channel) and its code. */
export const statsDailyDurationsMix = pgTable(
  'stats_daily_durations_mix',
  {
    day: date('day', { mode: 'string' }).notNull(),
    dimension: text('dimension').notNull(),
    code: text('code').notNull(),
    kind: text('kind').notNull(),
    minutes: integer('minutes').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.dimension, t.code, t.kind, t.minutes] })],
);

/**
 * Roll-ups for a period filtered by one first-level category, district or channel (with or
 * without a department): the counts per day, department and one dimension's code, and the
 * minutes to accept and to reply likewise, so such a month never reads the events.
 */
export const statsDailyDimensions = pgTable(
  'stats_daily_dimensions',
  {
    day: date('day', { mode: 'string' }).notNull(),
    dimension: text('dimension').notNull(),
    code: text('code').notNull(),
    department: text('department').notNull(),
    ...statsCounters(),
  },
  (t) => [primaryKey({ columns: [t.day, t.dimension, t.code, t.department] })],
);

/** Minutes to accept and to reply per day, one dimension's code and department. */
export const statsDailyDurationsDimensions = pgTable(
  'stats_daily_durations_dimensions',
  {
    day: date('day', { mode: 'string' }).notNull(),
    dimension: text('dimension').notNull(),
    code: text('code').notNull(),
    department: text('department').notNull(),
    kind: text('kind').notNull(),
    minutes: integer('minutes').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [
    primaryKey({ name: 'stats_daily_durations_dimensions_pk', columns: [t.day, t.dimension, t.code, t.department, t.kind, t.minutes] }),
    index('stats_daily_durations_dimensions_code_idx').on(t.dimension, t.code, t.day),
  ],
);

/** Tickets received per day with one dimension's code (the filter), by a dimension's code (the mix). */
export const statsDailyMixPairs = pgTable(
  'stats_daily_mix_pairs',
  {
    day: date('day', { mode: 'string' }).notNull(),
    dimension: text('dimension').notNull(),
    code: text('code').notNull(),
    mixDimension: text('mix_dimension').notNull(),
    mixCode: text('mix_code').notNull(),
    received: integer('received').notNull(),
  },
  (t) => [primaryKey({ name: 'stats_daily_mix_pairs_pk', columns: [t.day, t.dimension, t.code, t.mixDimension, t.mixCode] })],
);
