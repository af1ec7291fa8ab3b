export interface ClassFigures {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Figures {
  count: number;
  accuracy: number;
  macroF1: number;
  perClass: ClassFigures[];
  /** confusion[gold][predicted] */
  confusion: number[][];
}

export interface ThresholdFigures {
  threshold: number;
  /** Share of tickets whose top probability reaches the threshold (auto-routed). */
  coverage: number;
  /** Share of those auto-routed tickets whose top class is right. */
  precision: number;
  routed: number;
}

export function argmaxRows(probabilities: Float64Array, classes: number): Int32Array {
  const out = new Int32Array(probabilities.length / classes);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if ((probabilities[i * classes + k] as number) > (probabilities[i * classes + best] as number)) best = k;
    out[i] = best;
  }
  return out;
}

export function classificationFigures(predicted: Int32Array, gold: Int32Array, labels: readonly string[]): Figures {
  const K = labels.length;
  const confusion = labels.map(() => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < gold.length; i++) {
    const row = confusion[gold[i] as number] as number[];
    row[predicted[i] as number] = (row[predicted[i] as number] as number) + 1;
    if (gold[i] === predicted[i]) correct++;
  }
  const perClass = labels.map((label, k) => {
    const tp = (confusion[k] as number[])[k] as number;
    const support = (confusion[k] as number[]).reduce((a, b) => a + b, 0);
    const predictedK = confusion.reduce((a, row) => a + (row[k] as number), 0);
    const precision = predictedK ? tp / predictedK : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const present = perClass.filter((c) => c.support > 0);
  return {
    count: gold.length,
    accuracy: gold.length ? correct / gold.length : 0,
    macroF1: present.reduce((a, c) => a + c.f1, 0) / Math.max(present.length, 1),
    perClass,
    confusion,
  };
}

export function thresholdFigures(probabilities: Float64Array, gold: Int32Array, classes: number, thresholds: readonly number[]): ThresholdFigures[] {
  const predicted = argmaxRows(probabilities, classes);
  return thresholds.map((threshold) => {
    let routed = 0;
    let right = 0;
    for (let i = 0; i < gold.length; i++) {
      if ((probabilities[i * classes + (predicted[i] as number)] as number) >= threshold) {
        routed++;
        if (predicted[i] === gold[i]) right++;
      }
    }
    return { threshold, coverage: gold.length ? routed / gold.length : 0, precision: routed ? right / routed : 1, routed };
  });
}

/**
 * The smallest threshold (on a 0.01 grid) from which every higher threshold also keeps the
 * auto-routed precision at or above the target, so a small bump in the curve cannot pick a
 * threshold that only just scraped past it.
 */
export function recommendThreshold(probabilities: Float64Array, gold: Int32Array, classes: number, targetPrecision: number): ThresholdFigures {
  const grid = Array.from({ length: 100 }, (_, i) => i / 100);
  const table = thresholdFigures(probabilities, gold, classes, grid);
  let chosen = table[table.length - 1] as ThresholdFigures;
  for (let i = table.length - 1; i >= 0; i--) {
    const row = table[i] as ThresholdFigures;
    if (row.precision < targetPrecision) break;
    chosen = row;
  }
  return chosen;
}
