/**
 * pnpm classify < messages.jsonl > categories.jsonl
 *
 * Public contract: one JSON line out per non-blank JSON line in, in the same order.
 * In:  {"text": "...", "title"?: "..."}
 * Out: {"category", "department", "confidence", "alternatives": [{"category", "probability"}, ×2]}
 *      or {"error": "..."} for a line that is not JSON or has no text.
 */
import { createInterface } from 'node:readline';
import { defaultDepartmentFor } from '@hotline/catalogue';
import { loadModel, type ClassifierInput, type Classification } from '@hotline/classifier';

const round = (p: number) => Math.round(p * 10_000) / 10_000;

/** The ticket a line asks to classify, or the error line to write for it. */
function parseLine(line: string, lineNumber: number): ClassifierInput | { error: string } {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch {
    return { error: `line ${lineNumber}: not JSON` };
  }
  const { text, title } = (typeof input === 'object' && input !== null ? input : {}) as { text?: unknown; title?: unknown };
  if (typeof text !== 'string') return { error: `line ${lineNumber}: no "text" string` };
  if (title !== undefined && title !== null && typeof title !== 'string') return { error: `line ${lineNumber}: "title" must be a string` };
  return { text, title: title ?? undefined };
}

function resultLine(result: Classification): string {
  return JSON.stringify({
    category: result.category,
    department: defaultDepartmentFor(result.category) ?? null,
    confidence: round(result.confidence),
    alternatives: result.ranked.slice(1, 3).map((r) => ({ category: r.category, probability: round(r.probability) })),
  });
}

const model = loadModel();
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
let lineNumber = 0;
let pending: (ClassifierInput | { error: string })[] = [];

// Lines are classified and written 256 at a time: the model classifies a batch faster than the
// same lines one by one, and one write per line would make stdout, not the model, the
// bottleneck. Backpressure pauses reading until the consumer catches up.
function flush(): void {
  if (pending.length === 0) return;
  const tickets = pending.filter((p): p is ClassifierInput => !('error' in p));
  const results = model.classifyMany(tickets);
  let next = 0;
  const out = pending.map((p) => ('error' in p ? JSON.stringify(p) : resultLine(results[next++] as Classification)));
  pending = [];
  if (!process.stdout.write(`${out.join('\n')}\n`)) {
    lines.pause();
    process.stdout.once('drain', () => lines.resume());
  }
}

lines.on('line', (text) => {
  lineNumber++;
  // Files saved as "UTF-8 with BOM" (Notepad, Excel) start with U+FEFF, which JSON.parse refuses.
  const line = lineNumber === 1 && text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (!line.trim()) return;
  pending.push(parseLine(line, lineNumber));
  if (pending.length >= 256) flush();
});
lines.on('close', flush);
