import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Ceiling {
  transactionsPerSecond: number;
  clients: number;
  seconds: number;
  latencyMs: number;
}

/**
 * The machine's ceiling for the work intake does per ticket, without HTTP, validation or
 * the relay: pgbench runs the same single statement (the ticket, its received event and its
 * outbox row, about the same size) against a database with the same schema, indexes and
 * outbox trigger, as fast as it can.
 */
export async function measureCeiling(databaseUrl: string, content: string, options: { clients: number; seconds: number }): Promise<Ceiling> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hotline-ceiling-'));
  const literal = content.replaceAll("'", "''").replaceAll('\n', ' ').replaceAll(':', '：');
  const script = `WITH t AS (
  INSERT INTO tickets (id, number, channel, type, urgency, caller_name, caller_phone, caller_anonymous, title, content,
                       district, status, version, created_by, created_at, updated_at)
  VALUES (gen_random_uuid(), gen_random_uuid()::text, 'phone', 'complaint', 'normal', '王女士', '13812341234', false,
          left('${literal}', 30), '${literal}', 'A3区', 'received', 1, 'bench', now(), now())
  RETURNING *),
e AS (
  INSERT INTO ticket_events (id, ticket_id, seq, type, occurred_at, actor_role, actor_id, request_id, data)
  SELECT gen_random_uuid(), t.id, 0, 'received', now(), 'agent', 'bench', gen_random_uuid()::text,
         jsonb_build_object('ticket', jsonb_build_object('number', t.number, 'title', t.title, 'content', t.content)) FROM t),
o AS (
  INSERT INTO outbox (id, subject, payload)
  SELECT gen_random_uuid(), 'ceiling.ticket.received',
         jsonb_build_object('ticketId', t.id, 'type', 'received', 'data', jsonb_build_object('content', t.content)) FROM t)
SELECT * FROM t;
`;
  const file = path.join(dir, 'ticket.sql');
  writeFileSync(file, script);
  try {
    const { stdout } = await run(
      'pgbench',
      ['-n', '-M', 'prepared', '-c', String(options.clients), '-j', '2', '-T', String(options.seconds), '-f', file, databaseUrl],
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
