import { readFileSync } from 'node:fs';
import { ARTIFACT_FORMAT, IDF_SCALE, decodeBase64, type ModelArtifact } from './artifact';
import { CharGramIndex, WordGramIndex, vectorise, type FeatureSpec, type Vocabulary } from './features';
import { contentWords, ticketText } from './text';

export interface RankedCategory {
  category: string;
  probability: number;
}

export interface Classification {
  /** The most probable first-level category. */
  category: string;
  /** Its probability; compare with `recommendedThreshold` to decide between routing and triage. */
  confidence: number;
  /** Every category, most probable first; probabilities sum to 1. */
  ranked: RankedCategory[];
}

export class Model {
  readonly version: string;
  readonly labels: readonly string[];
  readonly recommendedThreshold: number;
  readonly trainedOn: ModelArtifact['trainedOn'];
  private readonly stopWords: ReadonlySet<string>;
  private readonly spec: FeatureSpec;
  private readonly vocabulary: Vocabulary;
  private readonly weights: Int8Array;
  private readonly weightScale: Float64Array;
  private readonly bias: Float64Array;
  private readonly temperature: number;

  constructor(artifact: ModelArtifact) {
    if (artifact.format !== ARTIFACT_FORMAT) throw new Error(`unsupported model format ${String(artifact.format)}`);
    this.version = artifact.version;
    this.labels = artifact.labels;
    this.recommendedThreshold = artifact.recommendedThreshold;
    this.trainedOn = artifact.trainedOn;
    this.stopWords = new Set(artifact.stopWords);
    this.spec = artifact.features;
    const charTerms = artifact.charTerms ? artifact.charTerms.split('\n') : [];
    const wordTerms = artifact.wordTerms ? artifact.wordTerms.split('\n') : [];
    const charIndex = new CharGramIndex(charTerms, 0);
    const wordIndex = new WordGramIndex(wordTerms, charTerms.length);
    const features = charTerms.length + wordTerms.length;
    const idfBytes = decodeBase64(artifact.idf);
    const idfView = new DataView(idfBytes.buffer, idfBytes.byteOffset, idfBytes.byteLength);
    const idf = new Float32Array(features);
    for (let i = 0; i < idf.length; i++) idf[i] = idfView.getUint16(i * 2, true) / IDF_SCALE;
    this.vocabulary = { charIndex, wordIndex, idf, firstWordFeature: charTerms.length };
    const K = this.labels.length;
    // Kept as the artifact's bytes, scaled per class after summing: a quarter of the memory of
    // floats, so more of the table stays in the CPU's caches.
    const bytes = decodeBase64(artifact.weights);
    this.weights = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.weights.length !== features * K) throw new Error('model weights do not match its vocabulary');
    this.weightScale = Float64Array.from(artifact.weightScale);
    this.bias = Float64Array.from(artifact.bias);
    this.temperature = artifact.temperature;
  }

  classify(text: string, title?: string): Classification {
    const K = this.labels.length;
    const x = vectorise(contentWords(ticketText(text, title), this.stopWords), this.spec, this.vocabulary);
    const probabilities = new Float64Array(K);
    if (x.indices.length === 0) {
      // Nothing the model knows (empty, Latin-only, digits, unseen characters): the biases alone
      // would still favour the largest class, so say "no idea" and let triage decide.
      probabilities.fill(1 / K);
    } else {
      const z = new Float64Array(K);
      for (let p = 0; p < x.indices.length; p++) {
        const base = (x.indices[p] as number) * K;
        const v = x.values[p] as number;
        for (let k = 0; k < K; k++) z[k] = (z[k] as number) + v * (this.weights[base + k] as number);
      }
      for (let k = 0; k < K; k++) z[k] = (this.bias[k] as number) + (z[k] as number) * (this.weightScale[k] as number);
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, (z[k] as number) / this.temperature);
      let sum = 0;
      for (let k = 0; k < K; k++) {
        probabilities[k] = Math.exp((z[k] as number) / this.temperature - max);
        sum += probabilities[k] as number;
      }
      for (let k = 0; k < K; k++) probabilities[k] = (probabilities[k] as number) / sum;
    }
    const ranked = this.labels
      .map((category, k) => ({ category, probability: probabilities[k] as number }))
      .sort((a, b) => b.probability - a.probability);
    const top = ranked[0] as RankedCategory;
    return { category: top.category, confidence: top.probability, ranked };
  }
}

export function parseModel(json: string): Model {
  return new Model(JSON.parse(json) as ModelArtifact);
}

export const defaultModelPath = new URL('../model/model.json', import.meta.url);

/**
 * Loads the committed model, or the artifact at `path`, and the segmenter's dictionary, which
 * would otherwise load on the first classification (~200 ms). Synchronous: it runs once at start.
 */
export function loadModel(path?: string): Model {
  const model = parseModel(readFileSync(path ?? defaultModelPath, 'utf8'));
  model.classify('');
  return model;
}
