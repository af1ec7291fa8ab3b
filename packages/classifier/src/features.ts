/**
 * TF-IDF features over two views of the same content words: character n-grams of the words
 * run together (robust to segmentation differences between jieba versions and to unseen
 * compounds) and word n-grams (sharper where jieba gets it right).
 */

export interface FeatureSpec {
  charNgrams: [min: number, max: number];
  wordNgrams: [min: number, max: number];
  /** Each view is L2-normalised on its own, then scaled by its weight. */
  charWeight: number;
  wordWeight: number;
}

/** A sparse row: parallel arrays of feature indices and values. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

// Word terms carry a prefix so that they can never collide with character terms in the
// artifact's term lists; a space never occurs inside Han-only words.
const WORD_PREFIX = ' ';

// Character n-grams are counted while training by a number, not a string: slicing and hashing a
// fresh string per n-gram was most of the time. n UTF-16 units in base 65536 plus n × 2^48 is
// exact for n ≤ 3 (< 2^53).
const UNIT = 65536;
const LENGTH_SHIFT = 2 ** 48;

/** The n-gram whose key forEachCharGram gave. */
export function charGramText(key: number): string {
  const n = Math.floor(key / LENGTH_SHIFT);
  let rest = key - n * LENGTH_SHIFT;
  const units: number[] = [];
  for (let i = 0; i < n; i++) {
    units.unshift(rest % UNIT);
    rest = Math.floor(rest / UNIT);
  }
  return String.fromCharCode(...units);
}

/** Calls `emit` with the key of every character n-gram of `text`: n × 2^48 + its code units in base 65536. */
function forEachCharGram(text: string, [min, max]: FeatureSpec['charNgrams'], emit: (key: number) => void): void {
  for (let i = 0; i < text.length; i++) {
    let key = 0;
    for (let n = 1; n <= max && i + n <= text.length; n++) {
      key = key * UNIT + text.charCodeAt(i + n - 1);
      if (n >= min) emit(n * LENGTH_SHIFT + key);
    }
  }
}

/** Calls `emitChar` for every character n-gram of the words run together and `emitWord` for every word n-gram term. */
export function forEachTerm(words: readonly string[], spec: FeatureSpec, emitChar: (key: number) => void, emitWord: (term: string) => void): void {
  forEachCharGram(words.join(''), spec.charNgrams, emitChar);
  const [wMin, wMax] = spec.wordNgrams;
  for (let i = 0; i < words.length; i++) {
    let term = WORD_PREFIX;
    for (let n = 1; n <= wMax && i + n <= words.length; n++) {
      term = n === 1 ? WORD_PREFIX + words[i] : `${term} ${words[i + n - 1]}`;
      if (n >= wMin) emitWord(term);
    }
  }
}

/**
 * Terms as sequences of small whole numbers (UTF-16 code units, word numbers), held as a trie in
 * one typed array. A message's n-grams starting at one position share their prefix, so they are
 * found by walking down from the first symbol, and the walk stops at the first prefix that no term
 * has: about half as many lookups as one per n-gram, no key built per n-gram, and a third of the
 * memory of a hash table of n-gram keys, whose cache misses were most of the lookup time.
 *
 * Nodes are numbered level by level and a node's children in order of their symbol, so the
 * children of a node are consecutive nodes, found by binary search of their symbols. Each node
 * is three numbers side by side (its symbol, the feature of the term ending there, its first
 * child), so the step that finds a node has also read what the next step needs. The first level,
 * whose fan-out is widest, is indexed directly by symbol.
 */
export class TermTrie {
  /** Symbol → node of the one-symbol prefix, or -1. */
  private readonly firstLevel: Int32Array;
  /**
   * Node n at 3n: its symbol, the feature index of the term ending there (-1 for a prefix that
   * is no term), its first child; node n's children end where node n + 1's begin, and a last
   * node past the real ones holds where they all end.
   */
  private readonly nodes: Int32Array;

  /** Term i is feature firstFeature + i; every symbol is below `alphabet`. */
  constructor(terms: readonly (readonly number[])[], alphabet: number, firstFeature: number) {
    for (const term of terms) {
      for (const symbol of term) if (!Number.isInteger(symbol) || symbol < 0 || symbol >= alphabet) throw new Error(`term symbol ${symbol} outside 0..${alphabet - 1}`);
    }
    // In lexicographic order the terms sharing a prefix are neighbours, and the distinct prefixes
    // of each length come in the order the numbering needs: a level is one pass over the terms.
    const sorted = terms.map((_, i) => i).sort((a, b) => compareSymbols(terms[a] as readonly number[], terms[b] as readonly number[]));
    // At most one node per symbol of the terms, and one past the last.
    let capacity = 1;
    for (const term of terms) capacity += term.length;
    const fields = new Int32Array(capacity * 3);
    let count = 0;
    // The node of each term's prefix of the length done so far (-1: the root).
    const prefixNode = new Int32Array(terms.length).fill(-1);
    this.firstLevel = new Int32Array(alphabet).fill(-1);
    for (let depth = 0; ; depth++) {
      const levelStart = count;
      let lastParent = -1;
      let lastSymbol = -1;
      for (const t of sorted) {
        const term = terms[t] as readonly number[];
        if (term.length <= depth) continue;
        const parent = prefixNode[t] as number;
        const symbol = term[depth] as number;
        if (parent !== lastParent || symbol !== lastSymbol) {
          fields[count * 3] = symbol;
          fields[count * 3 + 1] = -1;
          fields[count * 3 + 2] = -1;
          if (depth === 0) this.firstLevel[symbol] = count;
          else if (fields[parent * 3 + 2] === -1) fields[parent * 3 + 2] = count;
          count++;
          lastParent = parent;
          lastSymbol = symbol;
        }
        prefixNode[t] = count - 1;
        if (term.length === depth + 1) fields[(count - 1) * 3 + 1] = firstFeature + t;
      }
      if (count === levelStart) break;
    }
    // A node without children gets the first child of the node after it: an empty run.
    fields.set([-1, -1, count], count * 3);
    for (let node = count - 1; node >= 0; node--) if (fields[node * 3 + 2] === -1) fields[node * 3 + 2] = fields[node * 3 + 5] as number;
    this.nodes = fields.slice(0, (count + 1) * 3);
  }

  /** The node of the one-symbol prefix `symbol`, or -1. */
  first(symbol: number): number {
    return symbol < this.firstLevel.length ? (this.firstLevel[symbol] as number) : -1;
  }

  /** The child of `node` by `symbol`, or -1. */
  child(node: number, symbol: number): number {
    const nodes = this.nodes;
    let low = nodes[node * 3 + 2] as number;
    let high = nodes[node * 3 + 5] as number;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const found = nodes[middle * 3] as number;
      if (found === symbol) return middle;
      if (found < symbol) low = middle + 1;
      else high = middle;
    }
    return -1;
  }

  /** The feature of the term ending at `node`, or -1. */
  featureAt(node: number): number {
    return this.nodes[node * 3 + 1] as number;
  }
}

/** The vocabulary's character n-grams: terms up to 65536 UTF-16 code units long are numbers per code unit. */
export class CharGramIndex {
  private readonly trie: TermTrie;

  /** Term i is feature firstFeature + i. */
  constructor(terms: readonly string[], firstFeature: number) {
    this.trie = new TermTrie(terms.map(codeUnits), 65536, firstFeature);
  }

  /** Calls `emit` with the feature index of every character n-gram of `text` in the vocabulary, by position, shortest first. */
  forEachFeature(text: string, [min, max]: FeatureSpec['charNgrams'], emit: (feature: number) => void): void {
    const trie = this.trie;
    for (let i = 0; i < text.length; i++) {
      let node = trie.first(text.charCodeAt(i));
      for (let n = 1; node !== -1; n++) {
        const feature = trie.featureAt(node);
        if (n >= min && feature !== -1) emit(feature);
        if (n === max || i + n === text.length) break;
        node = trie.child(node, text.charCodeAt(i + n));
      }
    }
  }
}

/** A string's UTF-16 code units, the symbols of the character tries. */
function codeUnits(text: string): number[] {
  const units: number[] = [];
  for (let i = 0; i < text.length; i++) units.push(text.charCodeAt(i));
  return units;
}

/** Lexicographic order of symbol sequences, a prefix first. */
function compareSymbols(a: readonly number[], b: readonly number[]): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/**
 * Numbers the vocabulary's words from 1 (0: not in the vocabulary), through a TermTrie of their
 * code units: a Map<string, number> took half again as long, comparing the strings fresh from
 * jieba and missing the caches on its ~25,000 entries.
 */
class WordNumbers {
  private readonly trie: TermTrie;

  constructor(words: readonly string[]) {
    this.trie = new TermTrie(words.map(codeUnits), 65536, 1);
  }

  of(word: string): number {
    let node = word.length > 0 ? this.trie.first(word.charCodeAt(0)) : -1;
    for (let i = 1; node !== -1 && i < word.length; i++) node = this.trie.child(node, word.charCodeAt(i));
    const number = node === -1 ? -1 : this.trie.featureAt(node);
    return number === -1 ? 0 : number;
  }
}

// The numbers of the words of the row being vectorised (0: not in the vocabulary), reused.
let wordIds = new Int32Array(256);

/**
 * The word n-grams of the vocabulary, found without building a string per n-gram: each known
 * word has a number from 1 and the n-grams are a TermTrie over those numbers. Half of the
 * vectorising time once went into concatenating and hashing the n-gram strings.
 */
export class WordGramIndex {
  private readonly numbers: WordNumbers;
  private readonly trie: TermTrie;

  /** `terms` as stored in the artifact (WORD_PREFIX, words joined by spaces); term i is feature firstFeature + i. */
  constructor(terms: readonly string[], firstFeature: number) {
    const split = terms.map((term) => term.slice(WORD_PREFIX.length).split(' '));
    const numbers = new Map<string, number>();
    for (const words of split) for (const word of words) if (!numbers.has(word)) numbers.set(word, numbers.size + 1);
    this.numbers = new WordNumbers([...numbers.keys()]);
    this.trie = new TermTrie(
      split.map((words) => words.map((word) => numbers.get(word) as number)),
      numbers.size + 1,
      firstFeature,
    );
  }

  /** Calls `emit` with the feature index of every word n-gram of `words` in the vocabulary, by position, shortest first. */
  forEachFeature(words: readonly string[], [min, max]: FeatureSpec['wordNgrams'], emit: (feature: number) => void): void {
    const ids = wordIds.length < words.length ? (wordIds = new Int32Array(words.length * 2)) : wordIds;
    for (let i = 0; i < words.length; i++) ids[i] = this.numbers.of(words[i] as string);
    const trie = this.trie;
    for (let i = 0; i < words.length; i++) {
      // Word 0 (unknown) has no node: an unknown word breaks every n-gram through it.
      let node = trie.first(ids[i] as number);
      for (let n = 1; node !== -1; n++) {
        const feature = trie.featureAt(node);
        if (n >= min && feature !== -1) emit(feature);
        if (n === max || i + n === words.length) break;
        node = trie.child(node, ids[i + n] as number);
      }
    }
  }
}

export interface Vocabulary {
  /** Character n-grams, features from 0. */
  charIndex: CharGramIndex;
  /** Word n-grams, from `firstWordFeature` on. */
  wordIndex: WordGramIndex;
  idf: Float32Array;
  firstWordFeature: number;
}

// Term counts of the row being vectorised, indexed by feature and zeroed again after each
// row: cheaper than a Map per row. Vectorising is synchronous, so one scratch space serves all.
let scratch = { counts: new Float32Array(0), touched: new Int32Array(0) };
function scratchFor(features: number) {
  if (scratch.counts.length < features) scratch = { counts: new Float32Array(features), touched: new Int32Array(features) };
  return scratch;
}

// 1 + ln(tf) for the counts most terms have, computed by Math.log itself: the same numbers
// without a call per term.
const SUBLINEAR_TF = Float64Array.from({ length: 64 }, (_, tf) => 1 + Math.log(tf));

/** Calls `emit` with the feature of every vocabulary term in content words: character n-grams, then word n-grams. */
export function forEachFeature(
  words: readonly string[],
  spec: FeatureSpec,
  vocab: Pick<Vocabulary, 'charIndex' | 'wordIndex'>,
  emit: (feature: number) => void,
): void {
  vocab.charIndex.forEachFeature(words.join(''), spec.charNgrams, emit);
  vocab.wordIndex.forEachFeature(words, spec.wordNgrams, emit);
}

/** Sublinear term frequency, 1 + ln tf, which keeps long, repetitive complaints from drowning their few telling terms. */
export function sublinearTf(tf: number): number {
  return tf < SUBLINEAR_TF.length ? (SUBLINEAR_TF[tf] as number) : 1 + Math.log(tf);
}

/** Turns content words into an L2-normalised TF-IDF row with sublinear tf, each view normalised on its own. */
export function vectorise(words: readonly string[], spec: FeatureSpec, vocab: Vocabulary): SparseVector {
  const { counts, touched } = scratchFor(vocab.idf.length);
  let size = 0;
  forEachFeature(words, spec, vocab, (i) => {
    if (counts[i] === 0) touched[size++] = i;
    counts[i] = (counts[i] as number) + 1;
  });
  const indices = touched.slice(0, size);
  const values = new Float32Array(size);
  let charNorm = 0;
  let wordNorm = 0;
  for (let j = 0; j < size; j++) {
    const i = indices[j] as number;
    const v = sublinearTf(counts[i] as number) * (vocab.idf[i] as number);
    counts[i] = 0;
    values[j] = v;
    if (i < vocab.firstWordFeature) charNorm += v * v;
    else wordNorm += v * v;
  }
  const charScale = charNorm > 0 ? spec.charWeight / Math.sqrt(charNorm) : 0;
  const wordScale = wordNorm > 0 ? spec.wordWeight / Math.sqrt(wordNorm) : 0;
  for (let k = 0; k < indices.length; k++) {
    values[k] = (values[k] as number) * ((indices[k] as number) < vocab.firstWordFeature ? charScale : wordScale);
  }
  return { indices, values };
}
