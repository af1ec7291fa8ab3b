import { CharGramIndex, WordGramIndex, charGramText, forEachTerm, vectorise, type FeatureSpec, type SparseVector, type Vocabulary } from '../features';

export interface VocabularyOptions {
  /** Terms seen in fewer documents are dropped: they cannot generalise and bloat the model. */
  minDf: number;
  /** Upper bound per view, most frequent terms first, to keep the artifact small. */
  maxCharFeatures: number;
  maxWordFeatures: number;
}

/** Builds the vocabulary and smoothed IDF, ln((1 + n) / (1 + df)) + 1, from training documents only. */
/** A vocabulary being built, with its terms in feature order as the artifact stores them. */
export interface TrainingVocabulary extends Vocabulary {
  charTerms: string[];
  wordTerms: string[];
}

export function fitVocabulary(docs: readonly (readonly string[])[], spec: FeatureSpec, options: VocabularyOptions): TrainingVocabulary {
  // One map per view holding df × 2^20 + (last document + 1): counting each term once per
  // document without a per-document Set, which over ~10^6 distinct n-grams is most of the cost.
  const charDf = new Map<number, number>();
  const wordDf = new Map<string, number>();
  const DOC = 1 << 20;
  docs.forEach((words, d) => {
    const mark = (d % (DOC - 1)) + 1;
    const count = <K>(df: Map<K, number>, term: K) => {
      const packed = df.get(term) ?? 0;
      if (packed % DOC !== mark) df.set(term, (Math.floor(packed / DOC) + 1) * DOC + mark);
    };
    forEachTerm(
      words,
      spec,
      (key) => count(charDf, key),
      (term) => count(wordDf, term),
    );
  });
  // Most frequent first; ties broken by term so the vocabulary does not depend on Map order.
  const pick = <K extends number | string>(df: Map<K, number>, max: number) =>
    [...df]
      .map(([term, packed]) => [term, Math.floor(packed / DOC)] as const)
      .filter(([, n]) => n >= options.minDf)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, max);
  const chars = pick(charDf, options.maxCharFeatures);
  const words = pick(wordDf, options.maxWordFeatures);
  const charTerms = chars.map(([key]) => charGramText(key));
  const wordTerms = words.map(([term]) => term);
  const n = docs.length;
  const idf = Float32Array.from([...chars, ...words], ([, df]) => Math.log((1 + n) / (1 + df)) + 1);
  return {
    charIndex: new CharGramIndex(charTerms, 0),
    wordIndex: new WordGramIndex(wordTerms, chars.length),
    charTerms,
    wordTerms,
    idf,
    firstWordFeature: chars.length,
  };
}

/** The vocabulary's terms in feature order, as stored in the artifact. */
export function vocabularyTerms(vocabulary: TrainingVocabulary): { charTerms: string[]; wordTerms: string[] } {
  return { charTerms: vocabulary.charTerms, wordTerms: vocabulary.wordTerms };
}

/** Rows in compressed sparse row form, the layout every optimiser here walks. */
export interface SparseMatrix {
  rows: number;
  columns: number;
  rowStart: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export function toMatrix(rows: readonly SparseVector[], columns: number): SparseMatrix {
  const rowStart = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => (rowStart[i + 1] = (rowStart[i] as number) + r.indices.length));
  const total = rowStart[rows.length] as number;
  const indices = new Int32Array(total);
  const values = new Float32Array(total);
  rows.forEach((r, i) => {
    indices.set(r.indices, rowStart[i]);
    values.set(r.values, rowStart[i]);
  });
  return { rows: rows.length, columns, rowStart, indices, values };
}

export function vectoriseAll(docs: readonly (readonly string[])[], spec: FeatureSpec, vocab: Vocabulary): SparseMatrix {
  return toMatrix(
    docs.map((d) => vectorise(d, spec, vocab)),
    vocab.idf.length,
  );
}
