import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deduplicate, holdoutSplit, type Deduplication, type PreparedRow } from '@hotline/classifier/training';
import { readLabelledRows, repoRoot, type LabelledRow } from './labelled-data';

export const modelDirectory = path.join(repoRoot, 'packages/classifier/model');
export const modelFile = path.join(modelDirectory, 'model.json');
export const metricsFile = path.join(modelDirectory, 'metrics.json');

export const CROSS_VALIDATION_FOLDS = 5;
export const C_GRID = [1, 3, 10];

/** Seconds since the script started, for progress lines on stderr. */
export function progressLogger(name: string): (message: string) => void {
  const started = Date.now();
  return (message) => process.stderr.write(`[${name} ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
}

export interface PreparedData {
  file: string;
  rows: LabelledRow[];
  labels: string[];
  deduplication: Deduplication<LabelledRow>;
  train: PreparedRow<LabelledRow>[];
  holdout: PreparedRow<LabelledRow>[];
  fingerprint: string;
}

/**
 * Reads, deduplicates and splits: the same steps, hence the same split, for train and eval.
 * `extra` rows (the agents' corrections) are deduplicated and split with the file's rows, so
 * a correction that repeats a held-out message cannot leak into training.
 */
export function prepareLabelledData(file: string, progress: (message: string) => void, extra: readonly LabelledRow[] = []): PreparedData {
  const rows = [...readLabelledRows(file), ...extra];
  progress(`read ${rows.length - extra.length} rows from ${path.relative(process.cwd(), file)}${extra.length ? ` and ${extra.length} corrections from the database` : ''}`);
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  const deduplication = deduplicate(rows, (done) => progress(`segmenting ${done}/${rows.length}`));
  progress(
    `deduplicated: ${deduplication.kept.length} of ${rows.length} rows kept (${deduplication.crossKindGroups} messages present as both raw and tokens, ${deduplication.conflictingGroups} groups with conflicting labels)`,
  );
  const { train, holdout, fingerprint } = holdoutSplit(deduplication.kept);
  progress(`split: ${train.length} train, ${holdout.length} held out (fingerprint ${fingerprint})`);
  return { file, rows, labels, deduplication, train, holdout, fingerprint };
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** What train writes next to the model, and eval reads back to refit the evaluated model. */
export interface Metrics {
  modelVersion: string;
  trainedAt: string;
  /** The committed model saw every deduplicated row; the figures below are of a model that did not see the holdout. */
  committedModelTrainedOn: 'all';
  evaluatedModel: string;
  data: { file: string; corrections?: number; rows: number; raw: number; tokens: number };
  deduplication: { method: string; keptRows: number; crossKindGroups: number; conflictingGroups: number };
  split: { holdoutFraction: number; seed: number; stratifiedBy: string; trainRows: number; holdoutRows: number; fingerprint: string };
  hyperparameters: {
    model: string;
    naiveBayes: { alpha: number; beta: number };
    features: unknown;
    vocabulary: unknown;
    c: number;
    cGrid: number[];
    folds: number;
    temperature: number;
    crossValidation: { c: number; macroF1: number; accuracy: number }[];
  };
  holdout: unknown;
  recommendedThreshold: number;
  targetPrecision: number;
  coverageAtRecommendedThreshold: number;
  precisionAtRecommendedThreshold: number;
  recommendedMinimumContentWords: number;
  modelBytes: number;
  trainingSeconds: number;
}
