import type { Classification, Model } from '@hotline/classifier';
import {
  classificationFigures,
  meanNegativeLogLikelihood,
  recommendThreshold,
  thresholdFigures,
  type Figures,
  type PreparedRow,
  type ThresholdFigures,
} from '@hotline/classifier/training';
import type { LabelledRow } from './labelled-data';

export const TARGET_PRECISION = 0.97;
export const REPORTED_THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

export interface HoldoutEvaluation {
  overall: Figures & { logLoss: number };
  byTextKind: Record<'raw' | 'tokens', Figures & { logLoss: number }>;
  thresholds: ThresholdFigures[];
  recommended: ThresholdFigures;
  /** Coverage and precision of each text kind at the overall recommended threshold. */
  atRecommendedByTextKind: Record<'raw' | 'tokens', ThresholdFigures>;
  /** Held-out texts and raw messages cut short, by how many content words the model saw, at the recommended threshold. */
  byContentWords: ContentWordsFigures[];
  /**
   * Fewest content words to auto-route at: the texts routed at the recommended threshold with at
   * least this many are ≥ TARGET_PRECISION precise; 0 when all of them are, or when no minimum gets there.
   */
  recommendedMinimumContentWords: number;
  /** The holdout, whole, with both the threshold and that minimum. */
  atRecommended: ThresholdFigures & { minimumContentWords: number };
}

/** Upper ends of the content-word bands the evaluation reports (the last band is open). */
export const CONTENT_WORD_BANDS = [4, 8, 12, 16, 24];

export interface ContentWordsFigures {
  /** Content words from `from` to `to` (null: no upper end). */
  from: number;
  to: number | null;
  texts: number;
  /** Of the texts, routed automatically at the recommended threshold, and right among those. */
  routed: number;
  right: number;
  coverage: number;
  precision: number;
}

/**
 * What an agent may type instead of the whole appeal: each held-out raw message's title alone
 * and the first 15, 30 and 60 characters of its body, beside every held-out text whole.
 */
function shortenedTexts(holdout: readonly PreparedRow<LabelledRow>[]): { text: string; label: string }[] {
  const texts: { text: string; label: string }[] = [];
  for (const { row } of holdout) {
    texts.push({ text: row.text, label: row.label });
    if (row.kind !== 'raw') continue;
    const newline = row.text.indexOf('\n');
    const body = row.text.slice(newline + 1);
    if (newline > 0) texts.push({ text: row.text.slice(0, newline), label: row.label });
    for (const length of [15, 30, 60]) texts.push({ text: body.slice(0, length), label: row.label });
  }
  return texts;
}

/**
 * The start of the lowest band from which the routed texts of it and every band above it, taken
 * together, are precise enough: one text more or less right in a band of a few hundred moves the
 * answer only where the precision sits at the target. 0 when every band together reaches it (no
 * minimum needed), and also when even the top band alone does not (no minimum helps: the
 * threshold is what is wrong).
 */
export function recommendMinimumContentWords(bands: readonly ContentWordsFigures[], targetPrecision: number): number {
  let routed = 0;
  let right = 0;
  let minimum: number | null = null;
  for (let i = bands.length - 1; i >= 0; i--) {
    const band = bands[i] as ContentWordsFigures;
    routed += band.routed;
    right += band.right;
    if (routed > 0 && right / routed < targetPrecision) break;
    minimum = band.from;
  }
  return minimum === null || minimum <= 1 ? 0 : minimum;
}

function byContentWords(model: Model, texts: readonly { text: string; label: string }[], threshold: number): ContentWordsFigures[] {
  return contentWordBands(
    texts.map(({ text, label }) => ({ label, ...model.classify(text) })),
    threshold,
  );
}

/** Classified texts in bands of content words (texts with none are left out: they are never routed). */
export function contentWordBands(scored: readonly { label: string; category: string; confidence: number; contentWords: number }[], threshold: number): ContentWordsFigures[] {
  return [0, ...CONTENT_WORD_BANDS].map((previous, i) => {
    const from = previous + 1;
    const to = CONTENT_WORD_BANDS[i] ?? null;
    const band = scored.filter((s) => s.contentWords >= from && (to === null || s.contentWords <= to));
    const routed = band.filter((s) => s.confidence >= threshold);
    const right = routed.filter((s) => s.category === s.label).length;
    return {
      from,
      to,
      texts: band.length,
      routed: routed.length,
      right,
      coverage: band.length ? routed.length / band.length : 0,
      precision: routed.length ? right / routed.length : 1,
    };
  });
}

/**
 * Scores held-out rows through the same `Model.classify` the service calls, i.e. after
 * quantisation and from the text exactly as stored, so the figures are those of the served path.
 */
export function evaluateOnHoldout(model: Model, holdout: readonly PreparedRow<LabelledRow>[]): HoldoutEvaluation {
  const labels = model.labels;
  const K = labels.length;
  const probabilities = new Float64Array(holdout.length * K);
  const gold = Int32Array.from(holdout, (r) => labels.indexOf(r.row.label));
  const results = holdout.map((r) => model.classify(r.row.text));
  results.forEach((result, i) => {
    for (const { category, probability } of result.ranked) probabilities[i * K + labels.indexOf(category)] = probability;
  });
  const subset = (keep: (r: PreparedRow<LabelledRow>) => boolean) => {
    const idx = holdout.map((r, i) => (keep(r) ? i : -1)).filter((i) => i >= 0);
    const p = new Float64Array(idx.length * K);
    idx.forEach((i, j) => p.set(probabilities.subarray(i * K, (i + 1) * K), j * K));
    return { p, y: Int32Array.from(idx, (i) => gold[i] as number) };
  };
  const figures = (p: Float64Array, y: Int32Array) => {
    const predicted = new Int32Array(y.length);
    for (let i = 0; i < y.length; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if ((p[i * K + k] as number) > (p[i * K + best] as number)) best = k;
      predicted[i] = best;
    }
    return { ...classificationFigures(predicted, y, labels), logLoss: meanNegativeLogLikelihood(p, y, K) };
  };
  const raw = subset((r) => r.row.kind === 'raw');
  const tokens = subset((r) => r.row.kind === 'tokens');
  const recommended = recommendThreshold(probabilities, gold, K, TARGET_PRECISION);
  const bands = byContentWords(model, shortenedTexts(holdout), recommended.threshold);
  const minimumContentWords = recommendMinimumContentWords(bands, TARGET_PRECISION);
  const routed = holdout.map((r, i) => ({ label: r.row.label, result: results[i] as Classification })).filter(({ result }) => result.confidence >= recommended.threshold && result.contentWords >= minimumContentWords);
  const routedRight = routed.filter(({ label, result }) => result.category === label).length;
  return {
    overall: figures(probabilities, gold),
    byTextKind: { raw: figures(raw.p, raw.y), tokens: figures(tokens.p, tokens.y) },
    thresholds: thresholdFigures(probabilities, gold, K, REPORTED_THRESHOLDS),
    recommended,
    atRecommendedByTextKind: {
      raw: thresholdFigures(raw.p, raw.y, K, [recommended.threshold])[0] as ThresholdFigures,
      tokens: thresholdFigures(tokens.p, tokens.y, K, [recommended.threshold])[0] as ThresholdFigures,
    },
    byContentWords: bands,
    recommendedMinimumContentWords: minimumContentWords,
    atRecommended: {
      threshold: recommended.threshold,
      minimumContentWords,
      coverage: routed.length / holdout.length,
      precision: routed.length ? routedRight / routed.length : 1,
      routed: routed.length,
    },
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function printEvaluation(evaluation: HoldoutEvaluation, labels: readonly string[], write: (line: string) => void): void {
  const { overall, byTextKind } = evaluation;
  write(`held-out rows: ${overall.count} (raw ${byTextKind.raw.count}, tokens ${byTextKind.tokens.count})`);
  write(`accuracy ${overall.accuracy.toFixed(4)}  macro-F1 ${overall.macroF1.toFixed(4)}  log-loss ${overall.logLoss.toFixed(4)}`);
  for (const kind of ['raw', 'tokens'] as const) {
    const f = byTextKind[kind];
    write(`  ${kind.padEnd(6)} accuracy ${f.accuracy.toFixed(4)}  macro-F1 ${f.macroF1.toFixed(4)}  log-loss ${f.logLoss.toFixed(4)}  (n=${f.count})`);
  }
  write('');
  write('per class                precision  recall   F1      support');
  for (const c of overall.perClass) {
    write(`  ${c.label.padEnd(12, '　')} ${c.precision.toFixed(4).padStart(9)} ${c.recall.toFixed(4).padStart(7)} ${c.f1.toFixed(4).padStart(7)} ${String(c.support).padStart(7)}`);
  }
  write('');
  write('confusion (rows gold, columns predicted, in the order above)');
  overall.confusion.forEach((row, k) => write(`  ${(labels[k] as string).padEnd(8, '　')} ${row.map((n) => String(n).padStart(5)).join('')}`));
  write('');
  write('threshold  auto-routed  precision of routed');
  for (const t of evaluation.thresholds) write(`  ${t.threshold.toFixed(2)}      ${pct(t.coverage).padStart(6)}       ${pct(t.precision).padStart(6)}`);
  const r = evaluation.recommended;
  write('');
  write(`recommended threshold (smallest with ≥${pct(TARGET_PRECISION)} precision at it and above): ${r.threshold.toFixed(2)} → ${pct(r.coverage)} auto-routed at ${pct(r.precision)} precision`);
  for (const kind of ['raw', 'tokens'] as const) {
    const k = evaluation.atRecommendedByTextKind[kind];
    write(`  ${kind.padEnd(6)} at ${r.threshold.toFixed(2)}: ${pct(k.coverage)} auto-routed at ${pct(k.precision)} precision`);
  }
  write('');
  write(`by content words, at ${r.threshold.toFixed(2)}: held-out texts whole, and raw messages as title alone and as their body's first 15, 30, 60 characters`);
  write('content words   texts  auto-routed  precision of routed');
  for (const b of evaluation.byContentWords) {
    write(`  ${`${b.from}${b.to === null ? '+' : `–${b.to}`}`.padEnd(12)} ${String(b.texts).padStart(7)}       ${pct(b.coverage).padStart(6)}       ${pct(b.precision).padStart(6)}`);
  }
  const a = evaluation.atRecommended;
  write(
    `recommended minimum (the texts routed with at least this many, together, ≥${pct(TARGET_PRECISION)} precise): ${a.minimumContentWords} content words → the holdout whole: ${pct(a.coverage)} auto-routed at ${pct(a.precision)} precision`,
  );
}
