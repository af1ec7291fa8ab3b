import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BenchDatabase } from './bench-stack';

const run = promisify(execFile);

export interface Ceiling {
  transactionsPerSecond: number;
  clients: number;
  seconds: number;
  latencyMs: number;
}

/**
 * The machine's ceiling for the database work the pipeline does per ticket, without HTTP,
 * NATS or our processes, measured by pgbench as fast as it can against a database with the
 * same schema, indexes and outbox trigger, on the texts the load sends: each transaction takes
 * one of them at random (from a table, read by its key), so long messages are compressed and
 * stored out of line as often as in the pipeline:
 *
 * - `insert`: intake's single statement alone (the ticket, its received event, its outbox row);
 * - `journey`: a ticket's whole way to its department, the statements our services send,
 *   shaped as they send them: intake's insert; the classifier's update guarded by status, with
 *   its event and outbox row; the dispatcher's snapshot read (the ticket, its held 督办 cases,
 *   the catalogue version, the departments) and its update guarded by version, with its event
 *   and the outbox rows of the event and the department's dispatch. The relay's marking of
 *   outbox rows as sent rides on the next statement, as our relay marks a batch in the
 *   statement that takes the next one (it reads the rows to publish besides; pgbench does
 *   not, so this ceiling is if anything high).
 */
export async function measureCeiling(
  database: BenchDatabase,
  texts: readonly string[],
  options: { clients: number; seconds: number; work: 'insert' | 'journey' },
): Promise<Ceiling> {
  await storeTexts(database, texts);
  const dir = mkdtempSync(path.join(tmpdir(), 'hotline-ceiling-'));
  const insert = (markPrevious: boolean) => `\\set text random(1, ${texts.length})
WITH text AS (SELECT content FROM ceiling_texts WHERE n = :text),
t AS (
  INSERT INTO tickets (id, number, channel, type, urgency, caller_name, caller_phone, caller_anonymous, title, content,
                       district, status, version, created_by, created_at, updated_at)
  SELECT gen_random_uuid(), gen_random_uuid()::text, 'phone', 'complaint', 'normal', '王女士', '13812341234', false,
         left(text.content, 30), text.content, 'A3区', 'received', 1, 'bench', now(), now() FROM text
  RETURNING *),
e AS (
  INSERT INTO ticket_events (id, ticket_id, seq, type, occurred_at, actor_role, actor_id, request_id, data)
  SELECT gen_random_uuid(), t.id, 0, 'received', now(), 'agent', 'bench', gen_random_uuid()::text,
         jsonb_build_object('ticket', jsonb_build_object('number', t.number, 'title', t.title, 'content', t.content)) FROM t),
o AS (
  INSERT INTO outbox (id, subject, payload)
  SELECT gen_random_uuid(), 'ceiling.ticket.received',
         jsonb_build_object('ticketId', t.id, 'type', 'received', 'data', jsonb_build_object('content', t.content)) FROM t
  RETURNING position)${
    markPrevious
      ? `,
m AS (UPDATE outbox SET sent_at = now() WHERE position = ANY(ARRAY[:dispatched_position, :dispatch_position]::bigint[]))`
      : ''
  }
SELECT t.id AS ticket_id, o.position AS received_position FROM t, o;
`;
  const classified = `{"confidence": 0.68, "department": "ecology", "alternatives": [{"category": "城乡建设", "probability": 0.18}, {"category": "交通运输", "probability": 0.09}], "categoryCode": "04", "categoryName": "环境保护", "modelVersion": "20261130-0d0ad453"}`;
  const dispatched = `{"department": "ecology", "coDepartments": [], "replyDeadline": "2026-12-03T09:30:00.000Z", "acceptDeadline": "2026-12-01T08:38:59.924Z", "catalogueVersion": 1}`;
  const journey = `${insert(true).replace(/;\n$/, ' \\gset\n')}
WITH moved AS (
  UPDATE tickets SET category_code = '04', department_code = 'ecology', confidence = 0.68, model_version = '20261130-0d0ad453',
                     status = 'classified', version = version + 1, updated_at = now()
  WHERE id = :ticket_id::uuid AND status = 'received' RETURNING version - 1 AS first_seq),
e AS (
  INSERT INTO ticket_events (id, ticket_id, seq, type, occurred_at, actor_role, actor_id, request_id, data)
  SELECT gen_random_uuid(), :ticket_id::uuid, moved.first_seq, 'classified', now(), 'system', 'classifier', gen_random_uuid()::text, '${classified}'::jsonb FROM moved),
o AS (
  INSERT INTO outbox (id, subject, payload)
  SELECT gen_random_uuid(), 'ceiling.ticket.classified', jsonb_build_object('ticketId', :ticket_id::uuid, 'type', 'classified', 'data', '${classified}'::jsonb) FROM moved
  RETURNING position)
SELECT position AS classified_position FROM o \\gset
SELECT t.*,
       (SELECT coalesce(json_agg(json_build_object('id', c.id, 'reason', c.reason)), '[]') FROM supervision_cases c
         WHERE c.ticket_id = t.id AND c.resolved_at IS NULL AND c.reason IN ('returned_twice', 'reopen_limit')),
       (SELECT max(v.version) FROM catalogue_versions v),
       (SELECT json_object_agg(d.code, d.full_phone) FROM departments d)
FROM tickets t WHERE t.id = :ticket_id::uuid;
WITH moved AS (
  UPDATE tickets SET district = NULL, street = NULL, department_code = 'ecology', co_departments = '{}', catalogue_version = 1,
                     dispatched_at = now(), accepted_at = NULL, accept_deadline = now() + interval '2 hours',
                     reply_deadline = now() + interval '2 days', status = 'dispatched', version = version + 1, updated_at = now()
  WHERE id = :ticket_id::uuid AND status = 'classified' AND version = 2 RETURNING version - 1 AS first_seq, content),
e AS (
  INSERT INTO ticket_events (id, ticket_id, seq, type, occurred_at, actor_role, actor_id, request_id, data)
  SELECT gen_random_uuid(), :ticket_id::uuid, moved.first_seq, 'dispatched', now(), 'system', 'dispatcher', gen_random_uuid()::text, '${dispatched}'::jsonb FROM moved),
o AS (
  INSERT INTO outbox (id, subject, payload)
  SELECT gen_random_uuid(), m.subject, m.payload FROM moved, LATERAL (VALUES
    (1, 'ceiling.ticket.dispatched', jsonb_build_object('ticketId', :ticket_id::uuid, 'type', 'dispatched', 'data', '${dispatched}'::jsonb)),
    (2, 'ceiling.dispatch.ecology', jsonb_build_object('ticketId', :ticket_id::uuid, 'role', 'main', 'department', 'ecology', 'ticket', jsonb_build_object('content', moved.content)))
  ) AS m (n, subject, payload) ORDER BY m.n
  RETURNING position),
mark AS (UPDATE outbox SET sent_at = now() WHERE position = ANY(ARRAY[:received_position, :classified_position]::bigint[]))
SELECT min(position) AS dispatched_position, max(position) AS dispatch_position FROM o \\gset
`;
  const file = path.join(dir, 'ticket.sql');
  writeFileSync(file, options.work === 'insert' ? insert(false) : journey);
  try {
    const { stdout } = await run(
      'pgbench',
      // The first journey of each client marks no earlier rows (positions start at 1).
      ['-n', '-M', 'prepared', '-c', String(options.clients), '-j', '2', '-T', String(options.seconds), '-D', 'dispatched_position=0', '-D', 'dispatch_position=0', '-f', file, database.url],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const tps = /tps = ([\d.]+)/.exec(stdout)?.[1];
    const latency = /latency average = ([\d.]+) ms/.exec(stdout)?.[1];
    if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return { transactionsPerSecond: Number(tps), clients: options.clients, seconds: options.seconds, latencyMs: Number(latency) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The texts pgbench picks from, numbered from 1. Stored uncompressed (EXTERNAL): the pipeline
 * receives its texts as parameters, so the ceiling should not pay for decompressing them.
 */
async function storeTexts(database: BenchDatabase, texts: readonly string[]): Promise<void> {
  await database.sql`create table if not exists ceiling_texts (n int primary key, content text not null)`;
  await database.sql`alter table ceiling_texts alter column content set storage external`;
  await database.sql`truncate ceiling_texts`;
  await database.sql`insert into ceiling_texts (n, content) select n, content from unnest(${database.sql.array([...texts])}::text[]) with ordinality as t (content, n)`;
}
