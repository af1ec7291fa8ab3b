import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MAX_CONTENT_LENGTH } from '@hotline/contracts';

export interface MessageRow {
  id: number;
  title: string;
  body: string;
}

/**
 * `--data` names the folder holding unlabeled_messages.jsonl (as the brief says) or, for
 * convenience, the JSON-lines file itself.
 */
export function resolveMessagesFile(argument: string | undefined, defaultDir: string): string {
  const given = path.resolve(argument ?? defaultDir);
  const isFile = given.endsWith('.jsonl') || (statExists(given) && !statSync(given).isDirectory());
  return isFile ? given : path.join(given, 'unlabeled_messages.jsonl');
}

function statExists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Rows `{id, user, title, time, body}`; rows without text are skipped, not fatal. */
export function readMessages(file: string): MessageRow[] {
  if (!statExists(file)) throw new Error(`no messages at ${file}; pass --data <dir holding unlabeled_messages.jsonl>`);
  const rows: MessageRow[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      const row = JSON.parse(line) as { id?: unknown; title?: unknown; body?: unknown };
      if (typeof row.body !== 'string' || !row.body.trim()) return;
      rows.push({ id: typeof row.id === 'number' ? row.id : i + 1, title: typeof row.title === 'string' ? row.title : '', body: row.body });
    });
  if (rows.length === 0) throw new Error(`${file}: no rows with a body`);
  return rows;
}

/*
 * The mix of appeal types: the source is a municipal message board, mostly complaints and
 * requests for help; every type appears so no code path is left out of the measurement.
 */
const typeMix = ['complaint', 'complaint', 'complaint', 'help', 'help', 'consultation', 'consultation', 'suggestion', 'report', 'praise'] as const;

// Mobile prefixes that normalizePhone accepts (1[3-9]x); varied so callers are not all one.
const mobilePrefixes = ['138', '139', '137', '150', '186', '177', '199', '135'] as const;

/**
 * Pre-serialised POST /v1/tickets bodies, one per message: serialising once keeps the load
 * generator's CPU for sending, not for JSON.stringify of Chinese text on every request.
 */
export function buildTicketBodies(rows: readonly MessageRow[]): string[] {
  return rows.map((row, i) => {
    const title = row.title.trim().slice(0, 200);
    const phone = `${mobilePrefixes[i % mobilePrefixes.length]}${String(10_000_000 + ((i * 7_919) % 90_000_000)).padStart(8, '0')}`;
    // The texts name districts like "A3区"; a location makes the stored row realistic.
    const district = /[A-Z]\d{0,2}区/.exec(row.body)?.[0];
    return JSON.stringify({
      channel: 'phone',
      type: typeMix[i % typeMix.length],
      ...(title ? { title } : {}),
      content: row.body.trim().slice(0, MAX_CONTENT_LENGTH),
      caller: { phone },
      ...(district ? { location: { district } } : {}),
    });
  });
}
