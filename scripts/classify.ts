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
import { loadModel, type Model } from '@hotline/classifier';

const round = (p: number) => Math.round(p * 10_000) / 10_000;

function classifyLine(model: Model, line: string, lineNumber: number): string {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch {
    return JSON.stringify({ error: `line ${lineNumber}: not JSON` });
  }
  const { text, title } = (typeof input === 'object' && input !== null ? input : {}) as { text?: unknown; title?: unknown };
  if (typeof text !== 'string') return JSON.stringify({ error: `line ${lineNumber}: no "text" string` });
  if (title !== undefined && title !== null && typeof title !== 'string') return JSON.stringify({ error: `line ${lineNumber}: "title" must be a string` });
  const result = model.classify(text, title ?? undefined);
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
let pending: string[] = [];

// Output is gathered and written in chunks: one write per line would make stdout, not the
// model, the bottleneck. Backpressure pauses reading until the consumer catches up.
function flush(): void {
  if (pending.length === 0) return;
  const chunk = `${pending.join('\n')}\n`;
  pending = [];
  if (!process.stdout.write(chunk)) {
    lines.pause();
    process.stdout.once('drain', () => lines.resume());
  }
}

lines.on('line', (line) => {
  lineNumber++;
  if (!line.trim()) return;
  pending.push(classifyLine(model, line, lineNumber));
  if (pending.length >= 256) flush();
});
lines.on('close', flush);
