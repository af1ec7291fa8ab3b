import type { Model } from '@hotline/classifier';
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
  holdout.forEach((r, i) => {
    for (const { category, probability } of model.classify(r.row.text).ranked) probabilities[i * K + labels.indexOf(category)] = probability;
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
  return {
    overall: figures(probabilities, gold),
    byTextKind: { raw: figures(raw.p, raw.y), tokens: figures(tokens.p, tokens.y) },
    thresholds: thresholdFigures(probabilities, gold, K, REPORTED_THRESHOLDS),
    recommended,
    atRecommendedByTextKind: {
      raw: thresholdFigures(raw.p, raw.y, K, [recommended.threshold])[0] as ThresholdFigures,
      tokens: thresholdFigures(tokens.p, tokens.y, K, [recommended.threshold])[0] as ThresholdFigures,
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
}
