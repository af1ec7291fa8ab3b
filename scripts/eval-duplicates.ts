/**
 * pnpm eval:duplicates [--data <dir>] [--pairs <file>] [--propose <n>]
 *
 * How well the duplicate score (并单, @hotline/domain similarity) separates real duplicates
 * on the hand-labelled pairs of scripts/data/duplicate-pairs.jsonl: precision and recall at
 * DUPLICATE_THRESHOLD and around it, the pairs it gets wrong, and the time to score one
 * appeal against a few hundred candidates. Messages come from hot_messages.jsonl of the
 * TipDM 2020 C data (`--data` names its folder or the file).
 *
 * How the sample was made: pairs of messages posted within 30 days of each other, drawn
 * at random across bands of plain bigram overlap (Jaccard), so that clear reposts and
 * borderline pairs are both in it, at most two pairs per message; in the lowest bands only
 * pairs by one author or with overlapping titles, so that the negatives are hard ones; then
 * 30 more pairs by different authors from the middle bands. Each pair was labelled by
 * reading the two texts, without its score: a duplicate is the same matter (事) at the same
 * place, so that one answer serves both; the same topic at another place, or another
 * request by the same author, is not. `--propose <n>` prints more pairs to label the same
 * way (bands of this score, never printed).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { appealText, DUPLICATE_THRESHOLD, similarityTo } from '@hotline/domain';

interface Message {
  id: number;
  user: string;
  title: string;
  time: string;
  body: string;
}

interface LabelledPair {
  a: number;
  b: number;
  duplicate: boolean;
  note?: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const defaultData = path.resolve(repoRoot, '../shared/data/tipdm2020c');
const defaultPairs = path.resolve(repoRoot, 'scripts/data/duplicate-pairs.jsonl');
const WINDOW_MS = 30 * 86_400_000;
const THRESHOLDS = [0.4, 0.5, 0.55, DUPLICATE_THRESHOLD, 0.65, 0.7, 0.8, 0.9];

function readJsonLines<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

function messagesFile(data: string | undefined): string {
  const resolved = path.resolve(data ?? defaultData);
  return resolved.endsWith('.jsonl') ? resolved : path.join(resolved, 'hot_messages.jsonl');
}

const textOf = (m: Message) => appealText(m.title, m.body);
const percent = (n: number, of: number) => (of === 0 ? '   -  ' : `${((100 * n) / of).toFixed(1).padStart(5)}%`);

function evaluate(messages: Map<number, Message>, pairs: LabelledPair[]): void {
  const scored = pairs.map((pair) => {
    const a = messages.get(pair.a);
    const b = messages.get(pair.b);
    if (!a || !b) throw new Error(`pair ${pair.a}/${pair.b}: message not in the data file`);
    return { ...pair, score: similarityTo(textOf(a))(textOf(b)), sameAuthor: a.user === b.user };
  });
  const duplicates = scored.filter((p) => p.duplicate);
  console.log(`${scored.length} labelled pairs: ${duplicates.length} duplicates, ${scored.length - duplicates.length} not\n`);
  console.log('threshold  precision  recall   flagged  true  false');
  for (const t of [...new Set(THRESHOLDS)].sort((x, y) => x - y)) {
    const flagged = scored.filter((p) => p.score >= t);
    const right = flagged.filter((p) => p.duplicate).length;
    const mark = t === DUPLICATE_THRESHOLD ? '  ← DUPLICATE_THRESHOLD' : '';
    console.log(
      `${t.toFixed(2).padStart(9)}  ${percent(right, flagged.length).padStart(9)}  ${percent(right, duplicates.length)}  ${String(flagged.length).padStart(7)}  ${String(right).padStart(4)}  ${String(flagged.length - right).padStart(5)}${mark}`,
    );
  }

  const atThreshold = (p: (typeof scored)[number]) => p.score >= DUPLICATE_THRESHOLD;
  for (const [label, group] of [
    ['same author', duplicates.filter((p) => p.sameAuthor)],
    ['different authors', duplicates.filter((p) => !p.sameAuthor)],
  ] as const) {
    console.log(`recall at ${DUPLICATE_THRESHOLD}, ${label}: ${percent(group.filter(atThreshold).length, group.length).trim()} of ${group.length}`);
  }

  const wrong = scored.filter((p) => atThreshold(p) && !p.duplicate).sort((x, y) => y.score - x.score);
  console.log(`\nflagged at ${DUPLICATE_THRESHOLD} but not duplicates:`);
  for (const p of wrong) console.log(`  ${p.score.toFixed(3)}  ${p.a} ${p.b}  ${p.note ?? ''}`);
  const missed = scored.filter((p) => !atThreshold(p) && p.duplicate).sort((x, y) => y.score - x.score);
  console.log(`duplicates below ${DUPLICATE_THRESHOLD}: ${missed.length}, the closest:`);
  for (const p of missed.slice(0, 5)) console.log(`  ${p.score.toFixed(3)}  ${p.a} ${p.b}  ${p.note ?? ''}`);
}

/** One appeal against `candidates` others, as GET /v1/tickets/:id/similar scores them. */
function timeScoring(messages: Message[], candidates: number): void {
  const texts = messages.map(textOf);
  const runs: number[] = [];
  for (let run = 0; run < 30; run++) {
    const started = performance.now();
    const score = similarityTo(texts[run % texts.length] as string);
    for (let i = 1; i <= candidates; i++) score(texts[(run * candidates + i) % texts.length] as string);
    runs.push(performance.now() - started);
  }
  runs.sort((x, y) => x - y);
  // A busy shared machine slows this many times over; the load says how far to trust it.
  const load = `load average ${(os.loadavg()[0] ?? 0).toFixed(1)} on ${os.availableParallelism()} CPUs`;
  console.log(`\none appeal against ${candidates} candidates: median ${(runs[runs.length >> 1] as number).toFixed(2)} ms of ${runs.length} runs (${load})`);
}

/**
 * Prints `count` unlabelled pairs to label, without their scores: equal numbers from each
 * score band, at most two pairs per message, pairs already labelled left out.
 */
function propose(messages: Message[], labelled: LabelledPair[], count: number): void {
  const known = new Set(labelled.map((p) => `${Math.min(p.a, p.b)}-${Math.max(p.a, p.b)}`));
  const bands: Array<Array<[Message, Message]>> = [[], [], [], [], []];
  const byTime = [...messages].sort((x, y) => Date.parse(x.time) - Date.parse(y.time));
  for (let i = 0; i < byTime.length; i++) {
    const a = byTime[i] as Message;
    const score = similarityTo(textOf(a));
    for (let j = i + 1; j < byTime.length; j++) {
      const b = byTime[j] as Message;
      if (Date.parse(b.time) - Date.parse(a.time) > WINDOW_MS) break;
      if (known.has(`${Math.min(a.id, b.id)}-${Math.max(a.id, b.id)}`)) continue;
      const s = score(textOf(b));
      if (s >= 0.15) bands[Math.min(4, Math.floor(s * 5))]?.push([a, b]);
    }
  }
  // A fixed seed, so that the same data proposes the same pairs.
  let seed = 20_191_123;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const uses = new Map<number, number>();
  const picked: Array<[Message, Message]> = [];
  for (const band of bands) {
    const shuffled = band.map((pair) => ({ pair, key: random() })).sort((x, y) => x.key - y.key);
    let taken = 0;
    for (const { pair } of shuffled) {
      if (taken >= Math.ceil(count / bands.length)) break;
      if (pair.some((m) => (uses.get(m.id) ?? 0) >= 2)) continue;
      for (const m of pair) uses.set(m.id, (uses.get(m.id) ?? 0) + 1);
      picked.push(pair);
      taken++;
    }
  }
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s).replace(/\s+/g, ' ');
  for (const { pair } of picked.map((pair) => ({ pair, key: random() })).sort((x, y) => x.key - y.key)) {
    const [a, b] = pair;
    console.log(JSON.stringify({ a: a.id, b: b.id, duplicate: null }));
    console.log(`  A ${a.time.slice(0, 10)} ${a.user} 【${a.title}】${cut(a.body)}`);
    console.log(`  B ${b.time.slice(0, 10)} ${b.user} 【${b.title}】${cut(b.body)}`);
  }
}

function main(): void {
  const { values } = parseArgs({
    options: { data: { type: 'string' }, pairs: { type: 'string' }, propose: { type: 'string' } },
    strict: true,
  });
  const messages = readJsonLines<Message>(messagesFile(values.data));
  const pairs = readJsonLines<LabelledPair>(path.resolve(values.pairs ?? defaultPairs));
  if (values.propose !== undefined) {
    const count = Number(values.propose);
    if (!Number.isInteger(count) || count < 1) throw new Error('--propose needs a positive whole number of pairs');
    propose(messages, pairs, count);
    return;
  }
  evaluate(new Map(messages.map((m) => [m.id, m])), pairs);
  timeScoring(messages, 300);
}

main();
