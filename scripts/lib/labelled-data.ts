import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultLabelledData = path.resolve(repoRoot, '../shared/data/tipdm2020c/labeled_train.jsonl');
export const defaultUnlabelledMessages = path.resolve(repoRoot, '../shared/data/tipdm2020c/unlabeled_messages.jsonl');

export interface LabelledRow {
  /** 1-based line number in the source file, to trace a row back. */
  line: number;
  label: string;
  text: string;
  kind: 'raw' | 'tokens';
}

/** `--data` may name the JSON-lines file itself or the folder holding labeled_train.jsonl. */
export function resolveLabelledData(argument: string | undefined): string {
  if (!argument) return defaultLabelledData;
  const resolved = path.resolve(argument);
  return resolved.endsWith('.jsonl') ? resolved : path.join(resolved, 'labeled_train.jsonl');
}

export function readLabelledRows(file: string): LabelledRow[] {
  const rows: LabelledRow[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      const row = JSON.parse(line) as { label?: unknown; text?: unknown; text_kind?: unknown };
      if (typeof row.label !== 'string' || typeof row.text !== 'string' || (row.text_kind !== 'raw' && row.text_kind !== 'tokens')) {
        throw new Error(`${file}:${i + 1}: expected {label, text, text_kind: raw|tokens}`);
      }
      rows.push({ line: i + 1, label: row.label, text: row.text, kind: row.text_kind });
    });
  return rows;
}

/** Minimal `--name value` / `--flag` parsing; the scripts take a handful of options. */
export function parseArguments(argv: readonly string[], known: Record<string, 'string' | 'boolean'>): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]?.replace(/^--/, '') ?? '';
    const kind = known[name];
    if (!argv[i]?.startsWith('--') || !kind) throw new Error(`unknown argument ${argv[i]}; known: ${Object.keys(known).map((k) => `--${k}`).join(' ')}`);
    if (kind === 'boolean') out[name] = true;
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      out[name] = value;
    }
  }
  return out;
}
