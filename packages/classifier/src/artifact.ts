import type { FeatureSpec } from './features';

/**
 * The committed model file. Weights are quantised to int8 with one scale per class and the
 * IDF to uint16, both base64, so a ~150k-feature model stays around 2 MB of JSON that loads
 * with one JSON.parse.
 */
export const ARTIFACT_FORMAT = 'hotline-classifier/1';

export interface ModelArtifact {
  format: typeof ARTIFACT_FORMAT;
  /** Changes whenever the weights do: date of training and a hash of the content. */
  version: string;
  trainedAt: string;
  /** `all`: the served model, refitted on every deduplicated row after evaluation; `train-split`: the evaluated one. */
  trainedOn: 'all' | 'train-split';
  labels: string[];
  stopWords: string[];
  features: FeatureSpec;
  /** Terms joined by "\n", character terms first; a term's position is its feature index. */
  charTerms: string;
  wordTerms: string;
  /** uint16 little-endian, idf × IDF_SCALE. */
  idf: string;
  /** int8, feature-major (feature × class); class k's weight is value × weightScale[k]. */
  weights: string;
  weightScale: number[];
  bias: number[];
  /** Softmax temperature fitted on out-of-fold scores. */
  temperature: number;
  /** Lowest confidence to auto-route at (≥ 97 % precision on the holdout); below it, triage. */
  recommendedThreshold: number;
  /**
   * Fewest content words to auto-route at: the texts with at least this many that were routed at
   * the threshold, on the holdout and its messages cut short, were ≥ 97 % precise taken together.
   * Absent in artifacts written before 2026-12-02: no minimum.
   */
  recommendedMinimumContentWords?: number;
}

export const IDF_SCALE = 4096;

export function encodeBase64(bytes: ArrayBufferView): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function decodeBase64(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'base64');
  // Copy into a fresh, aligned buffer so typed views of any element size can be laid over it.
  return new Uint8Array(buffer);
}
