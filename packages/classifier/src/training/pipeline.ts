import { createHash } from 'node:crypto';
import { ARTIFACT_FORMAT, IDF_SCALE, encodeBase64, type ModelArtifact } from '../artifact';
import type { FeatureSpec } from '../features';
import { segment } from '../text';
import { fitTemperature } from './calibration';
import { nearDuplicateGroups } from './dedup';
import { decisionScores, fitNbSvm, type LinearModel } from './linear';
import { argmaxRows, classificationFigures } from './metrics';
import { stratifiedFolds, stratifiedHoldout } from './split';
import { deriveStopWords } from './stopwords';
import { fitVocabulary, vectoriseAll, vocabularyTerms, type SparseMatrix } from './vocabulary';

export interface LabelledText {
  label: string;
  text: string;
  kind: 'raw' | 'tokens';
}

export interface PreparedRow<T extends LabelledText = LabelledText> {
  row: T;
  /** Segmented Han-only words, stop words still in (they are derived per training set). */
  words: string[];
  /** How many near-identical rows this one stands for. */
  duplicates: number;
}

export interface Deduplication<T extends LabelledText> {
  kept: PreparedRow<T>[];
  inputRows: number;
  groups: number;
  /** Groups whose members disagree on the label; the majority label is kept. */
  conflictingGroups: number;
  /** Groups holding both a raw row and a tokens row of the same message. */
  crossKindGroups: number;
}

/** Shingle overlap from which two texts count as the same message posted twice. */
export const NEAR_DUPLICATE_JACCARD = 0.7;

/**
 * Collapses exact and near-identical reposts to one row each, before any split, so no message
 * can sit on both sides of an evaluation. Texts are compared after the stop words of the whole
 * file are removed, which makes a raw message and its tokens version identical. The stop words
 * here use no labels, and are re-derived from the training part for the features.
 */
export function deduplicate<T extends LabelledText>(rows: readonly T[], onProgress?: (done: number) => void): Deduplication<T> {
  const segmented = rows.map((row, i) => {
    if (i % 1000 === 0) onProgress?.(i);
    return segment(row.text);
  });
  const stopWords = new Set(deriveStopWords(rows.map((r, i) => ({ words: segmented[i] as string[], kind: r.kind }))));
  const groupOf = nearDuplicateGroups(
    segmented.map((words) => words.filter((w) => !stopWords.has(w)).join('')),
    NEAR_DUPLICATE_JACCARD,
  );
  const members = new Map<number, number[]>();
  groupOf.forEach((g, i) => {
    const list = members.get(g);
    if (list) list.push(i);
    else members.set(g, [i]);
  });
  const kept: (PreparedRow<T> & { index: number })[] = [];
  let conflictingGroups = 0;
  let crossKindGroups = 0;
  for (const group of members.values()) {
    const votes = new Map<string, number>();
    for (const i of group) votes.set((rows[i] as T).label, (votes.get((rows[i] as T).label) ?? 0) + 1);
    if (votes.size > 1) conflictingGroups++;
    if (new Set(group.map((i) => (rows[i] as T).kind)).size > 1) crossKindGroups++;
    const label = [...votes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
    const agreeing = group.filter((i) => (rows[i] as T).label === label);
    // A raw representative keeps the original wording, the form real tickets arrive in.
    const chosen = agreeing.find((i) => (rows[i] as T).kind === 'raw') ?? (agreeing[0] as number);
    kept.push({ row: rows[chosen] as T, words: segmented[chosen] as string[], duplicates: group.length, index: chosen });
  }
  kept.sort((a, b) => a.index - b.index);
  return { kept: kept.map(({ index: _, ...row }) => row), inputRows: rows.length, groups: members.size, conflictingGroups, crossKindGroups };
}

export const HOLDOUT_FRACTION = 0.2;
export const SPLIT_SEED = 20200;

/** The honest split: 20 % held out, stratified by label × text kind, fixed seed. */
export function holdoutSplit<T extends LabelledText>(rows: readonly PreparedRow<T>[]): { train: PreparedRow<T>[]; holdout: PreparedRow<T>[]; fingerprint: string } {
  const { train, holdout } = stratifiedHoldout(
    rows.map((r) => `${r.row.label}|${r.row.kind}`),
    HOLDOUT_FRACTION,
    SPLIT_SEED,
  );
  const held = holdout.map((i) => rows[i] as PreparedRow<T>);
  const fingerprint = createHash('sha256')
    .update(held.map((r) => r.row.text).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return { train: train.map((i) => rows[i] as PreparedRow<T>), holdout: held, fingerprint };
}

export const FEATURES: FeatureSpec = { charNgrams: [1, 3], wordNgrams: [1, 2], charWeight: Math.SQRT1_2, wordWeight: Math.SQRT1_2 };
export const VOCABULARY = { minDf: 2, maxCharFeatures: 100_000, maxWordFeatures: 50_000 };

export interface TrainingOptions {
  /** Candidate SVM C values; with more than one, cross-validation picks. */
  cGrid: number[];
  folds: number;
  /** Skip cross-validation: use this temperature (from an earlier run's out-of-fold scores). */
  temperature?: number;
  onProgress?: (message: string) => void;
}

export interface TrainingReport {
  c: number;
  temperature: number;
  /** Out-of-fold macro-F1 for each candidate C, when cross-validated. */
  crossValidation: { c: number; macroF1: number; accuracy: number }[];
  features: number;
  stopWords: number;
}

const SVM = { tolerance: 0.1, maxEpochs: 100, seed: 7 };
/** NBSVM settings, chosen by cross-validation within the training part (see metrics.json). */
export const NB = { alpha: 1, beta: 0.9 };

/**
 * Fits the classifier on `rows`: stop words and vocabulary from these rows only; C and the
 * softmax temperature from k-fold out-of-fold scores within them. The folds share the
 * vocabulary of all `rows` (document frequencies, no labels), which keeps cross-validation to
 * one vectorisation; C and T are the only things tuned on labels and they see held-out folds only.
 */
export function trainClassifier(rows: readonly PreparedRow[], labels: readonly string[], options: TrainingOptions): { artifact: ModelArtifact; report: TrainingReport } {
  const progress = options.onProgress ?? (() => {});
  const stopWordList = deriveStopWords(rows.map((r) => ({ words: r.words, kind: r.row.kind })));
  const stopWords = new Set(stopWordList);
  const docs = rows.map((r) => r.words.filter((w) => !stopWords.has(w)));
  const vocabulary = fitVocabulary(docs, FEATURES, VOCABULARY);
  const x = vectoriseAll(docs, FEATURES, vocabulary);
  const y = Int32Array.from(rows, (r) => labels.indexOf(r.row.label));
  const K = labels.length;
  progress(`${rows.length} rows, ${stopWordList.length} stop words, ${vocabulary.idf.length} features`);

  const crossValidation: TrainingReport['crossValidation'] = [];
  let c = options.cGrid[0] as number;
  let temperature = options.temperature ?? 1;
  if (options.temperature === undefined) {
    const fold = stratifiedFolds(
      rows.map((r) => `${r.row.label}|${r.row.kind}`),
      options.folds,
      SPLIT_SEED + 1,
    );
    let best: { c: number; macroF1: number; scores: Float64Array } | undefined;
    for (const candidate of options.cGrid) {
      const scores = new Float64Array(rows.length * K);
      for (let f = 0; f < options.folds; f++) {
        const inFold = (i: number) => fold[i] === f;
        const model = fitNbSvm(selectRows(x, (i) => !inFold(i)), y.filter((_, i) => !inFold(i)), K, { c: candidate, ...SVM, ...NB });
        const heldIdx = Array.from({ length: rows.length }, (_, i) => i).filter(inFold);
        const held = decisionScores(model, selectRows(x, inFold));
        heldIdx.forEach((row, j) => scores.set(held.subarray(j * K, (j + 1) * K), row * K));
        progress(`cross-validation C=${candidate}: fold ${f + 1}/${options.folds}`);
      }
      const figures = classificationFigures(argmaxRows(scores, K), y, labels);
      crossValidation.push({ c: candidate, macroF1: figures.macroF1, accuracy: figures.accuracy });
      progress(`cross-validation C=${candidate}: macro-F1 ${figures.macroF1.toFixed(4)}, accuracy ${figures.accuracy.toFixed(4)}`);
      if (!best || figures.macroF1 > best.macroF1) best = { c: candidate, macroF1: figures.macroF1, scores };
    }
    c = (best as { c: number }).c;
    temperature = fitTemperature((best as { scores: Float64Array }).scores, y, K);
    progress(`chose C=${c}; temperature ${temperature.toFixed(4)} from out-of-fold scores`);
  }
  const model = fitNbSvm(x, y, K, { c, ...SVM, ...NB });
  progress(`fitted C=${c} on ${rows.length} rows`);
  return {
    artifact: toArtifact(model, labels, stopWordList, vocabulary, temperature),
    report: { c, temperature, crossValidation, features: vocabulary.idf.length, stopWords: stopWordList.length },
  };
}

function selectRows(x: SparseMatrix, keep: (row: number) => boolean): SparseMatrix {
  const rows: number[] = [];
  for (let i = 0; i < x.rows; i++) if (keep(i)) rows.push(i);
  const rowStart = new Int32Array(rows.length + 1);
  rows.forEach((r, j) => (rowStart[j + 1] = (rowStart[j] as number) + (x.rowStart[r + 1] as number) - (x.rowStart[r] as number)));
  const indices = new Int32Array(rowStart[rows.length] as number);
  const values = new Float32Array(indices.length);
  rows.forEach((r, j) => {
    indices.set(x.indices.subarray(x.rowStart[r], x.rowStart[r + 1]), rowStart[j]);
    values.set(x.values.subarray(x.rowStart[r], x.rowStart[r + 1]), rowStart[j]);
  });
  return { rows: rows.length, columns: x.columns, rowStart, indices, values };
}

function toArtifact(
  model: LinearModel,
  labels: readonly string[],
  stopWords: string[],
  vocabulary: ReturnType<typeof fitVocabulary>,
  temperature: number,
): ModelArtifact {
  const K = labels.length;
  const { charTerms, wordTerms } = vocabularyTerms(vocabulary);
  const idf = new Uint16Array(vocabulary.idf.length);
  const idfBytes = new DataView(idf.buffer);
  vocabulary.idf.forEach((v, i) => idfBytes.setUint16(i * 2, Math.min(65535, Math.round(v * IDF_SCALE)), true));
  const weightScale = labels.map((_, k) => {
    let max = 0;
    for (let f = 0; f < model.features; f++) max = Math.max(max, Math.abs(model.weights[f * K + k] as number));
    return max / 127 || 1;
  });
  const weights = new Int8Array(model.weights.length);
  for (let j = 0; j < weights.length; j++) weights[j] = Math.round((model.weights[j] as number) / (weightScale[j % K] as number));
  const content = {
    labels: [...labels],
    stopWords,
    features: FEATURES,
    charTerms: charTerms.join('\n'),
    wordTerms: wordTerms.join('\n'),
    idf: encodeBase64(idf),
    weights: encodeBase64(weights),
    weightScale,
    bias: Array.from(model.bias),
    temperature,
  };
  const now = new Date();
  const hash = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 8);
  return {
    format: ARTIFACT_FORMAT,
    version: `${now.toISOString().slice(0, 10).replaceAll('-', '')}-${hash}`,
    trainedAt: now.toISOString(),
    trainedOn: 'train-split',
    ...content,
    recommendedThreshold: 0.5,
  };
}
