import { readFileSync } from 'node:fs';
import { ARTIFACT_FORMAT, IDF_SCALE, decodeBase64, type ModelArtifact } from './artifact';
import { CharGramIndex, WordGramIndex, forEachFeature, sublinearTf, type FeatureSpec, type Vocabulary } from './features';
import { contentWords, ticketText } from './text';

export interface RankedCategory {
  category: string;
  probability: number;
}

export interface Classification {
  /** The most probable first-level category. */
  category: string;
  /** Its probability; with `contentWords`, compare with the recommended threshold and minimum to decide between routing and triage. */
  confidence: number;
  /** Every category, most probable first; probabilities sum to 1. */
  ranked: RankedCategory[];
  /**
   * How many content words (stop words removed, repeats counted) the text gave the model: the
   * evidence behind the confidence. On a few words the model is more confident than it is right.
   * (Counting only different words, or only words of its vocabulary, told right from wrong less
   * well on the holdout and cost more of it: see the README.)
   */
  contentWords: number;
}

export interface ClassifierInput {
  text: string;
  title?: string;
}

// The largest term count a record holds; a term repeated more often (in a text of over 65,535
// characters) counts as this many, which moves 1 + ln tf by under 0.0001 per extra repeat.
const MAX_COUNT = 65_535;

export class Model {
  readonly version: string;
  readonly labels: readonly string[];
  readonly recommendedThreshold: number;
  /** Absent from artifacts written before 2026-12-02. */
  readonly recommendedMinimumContentWords: number | undefined;
  readonly trainedOn: ModelArtifact['trainedOn'];
  private readonly stopWords: ReadonlySet<string>;
  private readonly spec: FeatureSpec;
  /** The n-gram indexes; word features are numbered from firstWordFeature on. */
  private readonly vocabulary: Pick<Vocabulary, 'charIndex' | 'wordIndex' | 'firstWordFeature'>;
  /**
   * One record per feature, `stride` bytes: its IDF (float32), its weight for each class (int8,
   * scaled per class after summing) and, last, its count in the message being scored (uint16,
   * zeroed after each). Counting a term brings its record into the CPU's cache, where its IDF
   * and weights are found when the message is scored: one cache miss per term instead of three
   * (separate count, IDF and weight arrays), 12 % faster classifications.
   */
  private readonly stride: number;
  private readonly idfs: Float32Array;
  private readonly weights: Int8Array;
  private readonly counts: Uint16Array;
  /** The features counted in the message being scored, reused. */
  private touched: Int32Array = new Int32Array(1024);
  private readonly weightScale: Float64Array;
  private readonly bias: Float64Array;
  private readonly temperature: number;

  constructor(artifact: ModelArtifact) {
    if (artifact.format !== ARTIFACT_FORMAT) throw new Error(`unsupported model format ${String(artifact.format)}`);
    this.version = artifact.version;
    this.labels = artifact.labels;
    this.recommendedThreshold = artifact.recommendedThreshold;
    this.recommendedMinimumContentWords = artifact.recommendedMinimumContentWords;
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
    this.vocabulary = { charIndex, wordIndex, firstWordFeature: charTerms.length };
    const K = this.labels.length;
    const weights = new Int8Array(decodeBase64(artifact.weights).buffer);
    if (weights.length !== features * K) throw new Error('model weights do not match its vocabulary');
    this.stride = 4 * Math.ceil((4 + K + 2) / 4);
    const table = new ArrayBuffer(features * this.stride);
    this.idfs = new Float32Array(table);
    this.weights = new Int8Array(table);
    this.counts = new Uint16Array(table);
    for (let i = 0; i < features; i++) {
      this.idfs[(i * this.stride) / 4] = idfView.getUint16(i * 2, true) / IDF_SCALE;
      this.weights.set(weights.subarray(i * K, (i + 1) * K), i * this.stride + 4);
    }
    this.weightScale = Float64Array.from(artifact.weightScale);
    this.bias = Float64Array.from(artifact.bias);
    this.temperature = artifact.temperature;
  }

  classify(text: string, title?: string): Classification {
    return this.classifyWords(this.contentWords({ text, title }));
  }

  /**
   * Classifies tickets in the order given, segmenting them all before scoring any: jieba's
   * dictionary and the model's tables then stop evicting each other from the CPU's caches between
   * messages, which makes a batch of a few hundred 8–24 % faster than one at a time (measured).
   */
  classifyMany(tickets: readonly ClassifierInput[]): Classification[] {
    return tickets.map((ticket) => this.contentWords(ticket)).map((words) => this.classifyWords(words));
  }

  private classifyWords(words: readonly string[]): Classification {
    return this.rank(this.scores(words), words.length);
  }

  private contentWords({ text, title }: ClassifierInput): string[] {
    return contentWords(ticketText(text, title), this.stopWords);
  }

  /**
   * Each class's score for the content words, or undefined when none is in the vocabulary. The
   * TF-IDF row (each view L2-normalised on its own, then weighted) is never built: each view's
   * dot products are summed unscaled along with its norm, and scaled once at the end.
   */
  private scores(words: readonly string[]): Float64Array | undefined {
    const K = this.labels.length;
    const { stride, idfs, weights, counts } = this;
    const countAt = (stride - 2) / 2;
    const perRecord = stride / 2;
    let touched = this.touched;
    let size = 0;
    forEachFeature(words, this.spec, this.vocabulary, (i) => {
      const c = i * perRecord + countAt;
      const n = counts[c] as number;
      if (n === 0) {
        if (size === touched.length) touched = this.touched = growInt32(touched);
        touched[size++] = i;
      }
      if (n < MAX_COUNT) counts[c] = n + 1;
    });
    if (size === 0) return undefined;
    const { firstWordFeature } = this.vocabulary;
    const charDot = new Float64Array(K);
    const wordDot = new Float64Array(K);
    let charNorm = 0;
    let wordNorm = 0;
    for (let j = 0; j < size; j++) {
      const i = touched[j] as number;
      const c = i * perRecord + countAt;
      const v = Math.fround(sublinearTf(counts[c] as number) * (idfs[(i * stride) / 4] as number));
      counts[c] = 0;
      let dot = wordDot;
      if (i < firstWordFeature) {
        dot = charDot;
        charNorm += v * v;
      } else wordNorm += v * v;
      const w = i * stride + 4;
      for (let k = 0; k < K; k++) dot[k] = (dot[k] as number) + v * (weights[w + k] as number);
    }
    const charScale = charNorm > 0 ? this.spec.charWeight / Math.sqrt(charNorm) : 0;
    const wordScale = wordNorm > 0 ? this.spec.wordWeight / Math.sqrt(wordNorm) : 0;
    const z = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      z[k] = (this.bias[k] as number) + ((charDot[k] as number) * charScale + (wordDot[k] as number) * wordScale) * (this.weightScale[k] as number);
    }
    return z;
  }

  /** Calibrated probabilities of the scores, most probable first. */
  private rank(z: Float64Array | undefined, contentWords: number): Classification {
    const K = this.labels.length;
    const probabilities = new Float64Array(K);
    if (z === undefined) {
      // Nothing the model knows (empty, Latin-only, digits, unseen characters): the biases alone
      // would still favour the largest class, so say "no idea" and let triage decide.
      probabilities.fill(1 / K);
    } else {
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
    return { category: top.category, confidence: top.probability, ranked, contentWords };
  }
}

function growInt32(array: Int32Array): Int32Array {
  const grown = new Int32Array(array.length * 2);
  grown.set(array);
  return grown;
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
