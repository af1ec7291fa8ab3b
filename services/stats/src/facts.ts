import type postgres from 'postgres';
import { counterNames, snakeCase, type CounterName } from './figures';

export type Sql = postgres.Sql;
export type Fragment = postgres.Fragment;

/*
 * Times go to PostgreSQL as ISO strings and come back as strings: drizzle, which shares the
 * pool, turns postgres.js's timestamp conversions off.
 */

/**
 * The one definition of every count: a day's events, by department, first-level category,
 * district and channel. The live figures read it directly; the summary tables store its
 * result per day; so both give the same numbers by construction.
 *
 * - a period holds the events that happened in it (Beijing dates);
 * - volumes count a ticket once: its received, first dispatched, answered, transferred or
 *   merged event;
 * - each dispatch, accept, reply and callback answer is its own event, so a reopened ticket
 *   counts once per cycle;
 * - on time: at or before the deadline the event itself carries (none in force: on time);
 * - 签收: a dispatch's accept is decided by the first of its accept and its accept overdue
 *   (the deadline passed first); 签收及时率 counts those deciding events and, of them, the
 *   accepts on time, so it never passes 100 % however a period cuts a dispatch from its
 *   accept, and a day's count never changes afterwards. A dispatch returned before either
 *   is not counted; one still inside its deadline is counted on the day it is decided;
 * - the classifier's decision on a received ticket is its `classified` event (an agent's
 *   correction names who corrected it) or its `triaged` event (one after a 退单 names no
 *   model);
 * - department: the one the event names, else the ticket's; category, district and
 *   channel: the ticket's.
 */
/** The classifier's own classification of a received ticket; an agent's correction names who corrected it. */
const classifiedByModel = `e.type = 'classified' and e.data->>'correctedBy' is null`;

const counterSql: Record<CounterName, string> = {
  received: `e.type = 'received'`,
  dispatchedTickets: `e.type = 'dispatched' and e.first_dispatch`,
  answered: `e.type = 'answered'`,
  transferred: `e.type = 'transferred'`,
  merged: `e.type = 'merged'`,
  dispatches: `e.type = 'dispatched'`,
  accepted: `e.type = 'accepted'`,
  acceptDecided: `e.accept_decided`,
  acceptedOnTime: `e.accept_decided and e.type = 'accepted' and (e.data->>'acceptDeadline' is null or e.occurred_at <= (e.data->>'acceptDeadline')::timestamptz)`,
  replied: `e.type = 'replied'`,
  repliedOnTime: `e.type = 'replied' and (e.data->>'replyDeadline' is null or e.occurred_at <= (e.data->>'replyDeadline')::timestamptz)`,
  returns: `e.type = 'returned'`,
  reopens: `e.type = 'reopened'`,
  overdue: `e.type = 'overdue' and e.data->>'deadline' in ('accept', 'reply')`,
  callbacks: `e.type = 'callback_recorded' and (e.data->>'reached')::boolean`,
  resolved: `e.type = 'callback_recorded' and (e.data->>'reached')::boolean and e.data->>'resolved' = 'resolved'`,
  partlyResolved: `e.type = 'callback_recorded' and (e.data->>'reached')::boolean and e.data->>'resolved' = 'partly'`,
  unresolved: `e.type = 'callback_recorded' and (e.data->>'reached')::boolean and e.data->>'resolved' = 'unresolved'`,
  verySatisfied: `e.type = 'callback_recorded' and (e.data->>'reached')::boolean and e.data->>'satisfaction' = 'very_satisfied'`,
  satisfied: `e.type = 'callback_recorded' and (e.data->>'reached')::boolean and e.data->>'satisfaction' = 'satisfied'`,
  basicallySatisfied: `e.type = 'callback_recorded' and (e.data->>'reached')::boolean and e.data->>'satisfaction' = 'basically_satisfied'`,
  dissatisfied: `e.type = 'callback_recorded' and (e.data->>'reached')::boolean and e.data->>'satisfaction' = 'dissatisfied'`,
  veryDissatisfied: `e.type = 'callback_recorded' and (e.data->>'reached')::boolean and e.data->>'satisfaction' = 'very_dissatisfied'`,
  unreachable: `e.type = 'closed' and e.data->>'reason' = 'unreachable'`,
  unreachedAttempts: `e.type = 'callback_recorded' and not (e.data->>'reached')::boolean`,
  modelDecisions: `(${classifiedByModel}) or (e.type = 'triaged' and e.data->>'modelVersion' is not null)`,
  routedAutomatically: classifiedByModel,
  triagedUnsure: `e.type = 'triaged' and e.data->>'cause' = 'unsure'`,
  triagedTooFewWords: `e.type = 'triaged' and e.data->>'cause' = 'too_few_words'`,
  triagedUnlabelledCategory: `e.type = 'triaged' and e.data->>'cause' = 'unlabelled_category'`,
};

const countedTypes = [
  'received',
  'classified',
  'triaged',
  'dispatched',
  'answered',
  'transferred',
  'merged',
  'accepted',
  'replied',
  'returned',
  'reopened',
  'overdue',
  'callback_recorded',
  'closed',
];

export const counterColumns = counterNames.map(snakeCase);

/** Stored with each summarised day: a day summarised with other counters (another release) is not kept. */
export const countersSignature = counterColumns.join(',');

const countersSelect = counterNames.map((n) => `count(*) filter (where ${counterSql[n]})::int as ${snakeCase(n)}`).join(',\n  ');

/** Conditions on the ticket row `t` (a sub-category, say) that summary rows cannot answer. */
export interface TicketFilter {
  categoryPrefix?: string;
  district?: string;
  channel?: string;
}

function ticketConditions(sql: Sql, filter: TicketFilter): Fragment {
  const parts: Fragment[] = [];
  if (filter.categoryPrefix) parts.push(sql`and (t.category_code = ${filter.categoryPrefix} or t.category_code like ${`${filter.categoryPrefix}.%`})`);
  if (filter.district) parts.push(sql`and t.district = ${filter.district}`);
  if (filter.channel) parts.push(sql`and t.channel = ${filter.channel}`);
  return parts.reduce((a, b) => sql`${a} ${b}`, sql``);
}

/** Fact rows (day, department, category, district, channel, counters…) of the events in [start, end). */
export function factRows(sql: Sql, start: Date, end: Date, filter: TicketFilter = {}): Fragment {
  return sql`
    select (e.occurred_at at time zone 'Asia/Shanghai')::date as day,
      coalesce(e.data->>'department', t.department_code, '') as department,
      coalesce(split_part(t.category_code, '.', 1), '') as category,
      coalesce(t.district, '') as district,
      t.channel,
      ${sql.unsafe(countersSelect)}
    from (
      select ev.*,
        ev.type = 'dispatched' and not exists (
          select 1 from ticket_events p where p.ticket_id = ev.ticket_id and p.type = 'dispatched' and p.seq < ev.seq
        ) as first_dispatch,
        case when ev.type = 'accepted' or (ev.type = 'overdue' and ev.data->>'deadline' = 'accept') then not exists (
          select 1 from ticket_events p
          where p.ticket_id = ev.ticket_id and p.seq < ev.seq
            and (p.type = 'accepted' or (p.type = 'overdue' and p.data->>'deadline' = 'accept'))
            and p.seq > coalesce((select max(d.seq) from ticket_events d where d.ticket_id = ev.ticket_id and d.type = 'dispatched' and d.seq < ev.seq), -1)
        ) else false end as accept_decided
      from ticket_events ev
      where ev.type in ${sql(countedTypes)} and ev.occurred_at >= ${start.toISOString()}::timestamptz and ev.occurred_at < ${end.toISOString()}::timestamptz
    ) e
    join tickets t on t.id = e.ticket_id
    where true ${ticketConditions(sql, filter)}
    group by 1, 2, 3, 4, 5`;
}

/**
 * Minutes from the dispatch that started the cycle to its accept (签收) and to its reply
 * (办结), rounded up to whole minutes, then to two significant figures, counted by
 * (day, department, kind, minutes) of the accept or reply event; with `dimensions`, also by
 * the ticket's first-level category, district and channel.
 */
export function durationRows(sql: Sql, start: Date, end: Date, filter: TicketFilter = {}, dimensions = false): Fragment {
  const joinTickets = dimensions || filter.categoryPrefix || filter.district || filter.channel;
  const dims = dimensions
    ? sql`, coalesce(split_part(t.category_code, '.', 1), '') as category, coalesce(t.district, '') as district, t.channel`
    : sql``;
  return sql`
    select day, department, kind,
      case when m < 100 then m
        else (round(m::numeric / power(10::numeric, length(m::text) - 2)) * power(10::numeric, length(m::text) - 2))::int end as minutes,
      count(*)::int as count
      ${dimensions ? sql`, category, district, channel` : sql``}
    from (
      select (e.occurred_at at time zone 'Asia/Shanghai')::date as day,
        coalesce(e.data->>'department', '') as department,
        case e.type when 'accepted' then 'accept' else 'reply' end as kind,
        greatest(0, ceil(extract(epoch from e.occurred_at - d.occurred_at) / 60))::int as m
        ${dims}
      from ticket_events e
      join lateral (
        select p.occurred_at from ticket_events p
        where p.ticket_id = e.ticket_id and p.type = 'dispatched' and p.seq < e.seq
        order by p.seq desc limit 1
      ) d on true
      ${joinTickets ? sql`join tickets t on t.id = e.ticket_id` : sql``}
      where e.type in ('accepted', 'replied') and e.occurred_at >= ${start.toISOString()}::timestamptz and e.occurred_at < ${end.toISOString()}::timestamptz
      ${ticketConditions(sql, filter)}
    ) x
    group by ${dimensions ? sql`1, 2, 3, 4, 6, 7, 8` : sql`1, 2, 3, 4`}`;
}
