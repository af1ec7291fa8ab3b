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

// Character n-grams are looked up by a number, not a string: slicing and hashing a fresh string
// per n-gram was most of the inference time. n UTF-16 units in base 65536 plus n × 2^48 is exact
// for n ≤ 3 (< 2^53).
const UNIT = 65536;
const LENGTH_SHIFT = 2 ** 48;

export function charGramKey(text: string): number {
  let key = 0;
  for (let i = 0; i < text.length; i++) key = key * UNIT + text.charCodeAt(i);
  return text.length * LENGTH_SHIFT + key;
}

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

/** Calls `emit` with the key (charGramKey) of every character n-gram of `text`. */
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

/** Looks up a character n-gram key (charGramKey): a Map while training, a KeyIndex when serving. */
export interface CharGramLookup {
  get(key: number): number | undefined;
}

/**
 * A read-only hash table from whole-number keys (below 2^53) to their positions in `keys`, in
 * typed arrays (open addressing, linear probing). N-gram keys are integers above 2^32, which a
 * Map hashes as heap numbers; this table was about twice as fast on the classifier's hot path.
 */
export class KeyIndex implements CharGramLookup {
  // Slot s holds its key at 2s and the position at 2s + 1: one cache line per probe, which
  // matters because the tables are larger than the CPU's caches.
  private readonly slots: Float64Array;
  private readonly mask: number;

  constructor(keys: readonly number[]) {
    let capacity = 1;
    while (capacity < keys.length * 2) capacity *= 2;
    this.slots = new Float64Array(capacity * 2).fill(-1);
    this.mask = capacity - 1;
    keys.forEach((key, index) => {
      let slot = this.slot(key);
      while (this.slots[slot * 2] !== -1) slot = (slot + 1) & this.mask;
      this.slots[slot * 2] = key;
      this.slots[slot * 2 + 1] = index;
    });
  }

  // The finaliser of MurmurHash3 on the key's two 32-bit halves, so that every bit of the key
  // moves the slot. A bare multiply kept as its low bits left a character bigram's slot to its
  // second character alone: bigrams took 24 probes on average, trigrams 11.
  private slot(key: number): number {
    const low = key >>> 0;
    const high = (key - low) / 4294967296;
    let h = low ^ Math.imul(high, 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  get(key: number): number | undefined {
    let slot = this.slot(key);
    for (;;) {
      const found = this.slots[slot * 2];
      if (found === key) return this.slots[slot * 2 + 1];
      if (found === -1) return undefined;
      slot = (slot + 1) & this.mask;
    }
  }
}

// The numbers of the words of the row being vectorised (0: not in the vocabulary), reused.
let wordIds = new Int32Array(256);

/**
 * The word n-grams of the vocabulary, found without building a string per n-gram: each known
 * word has a number from 1, and an n-gram is the number whose digits in base (words + 1) are
 * its words' numbers. Half of the vectorising time went into concatenating and hashing the
 * n-gram strings.
 */
export class WordGramIndex {
  private readonly ids = new Map<string, number>();
  private readonly base: number;
  private readonly grams: KeyIndex;

  /** `terms` as stored in the artifact (WORD_PREFIX, words joined by spaces); term i is feature firstFeature + i. */
  constructor(
    terms: readonly string[],
    private readonly firstFeature: number,
  ) {
    const split = terms.map((term) => term.slice(WORD_PREFIX.length).split(' '));
    for (const words of split) for (const word of words) if (!this.ids.has(word)) this.ids.set(word, this.ids.size + 1);
    this.base = this.ids.size + 1;
    const longest = Math.max(0, ...split.map((words) => words.length));
    if (this.base ** longest > Number.MAX_SAFE_INTEGER) throw new Error(`${this.ids.size} words in ${longest}-grams do not fit a whole-number key`);
    this.grams = new KeyIndex(split.map((words) => words.reduce((key, word) => key * this.base + (this.ids.get(word) as number), 0)));
  }

  /** Calls `emit` with the feature index of every word n-gram of `words` in the vocabulary. */
  forEachFeature(words: readonly string[], [min, max]: FeatureSpec['wordNgrams'], emit: (feature: number) => void): void {
    const ids = wordIds.length < words.length ? (wordIds = new Int32Array(words.length * 2)) : wordIds;
    for (let i = 0; i < words.length; i++) ids[i] = this.ids.get(words[i] as string) ?? 0;
    for (let i = 0; i < words.length; i++) {
      let key = 0;
      for (let n = 1; n <= max && i + n <= words.length; n++) {
        const id = ids[i + n - 1] as number;
        if (id === 0) break;
        key = key * this.base + id;
        if (n < min) continue;
        const gram = this.grams.get(key);
        if (gram !== undefined) emit(this.firstFeature + gram);
      }
    }
  }
}

export interface Vocabulary {
  /** Character n-gram key (charGramKey) → feature index; these come first. */
  charIndex: CharGramLookup;
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

/**
 * Turns content words into an L2-normalised TF-IDF row with sublinear tf (1 + ln tf), which
 * keeps long, repetitive complaints from drowning their few telling terms.
 */
export function vectorise(words: readonly string[], spec: FeatureSpec, vocab: Vocabulary): SparseVector {
  const { counts, touched } = scratchFor(vocab.idf.length);
  let size = 0;
  const add = (i: number | undefined) => {
    if (i === undefined) return;
    if (counts[i] === 0) touched[size++] = i;
    counts[i] = (counts[i] as number) + 1;
  };
  forEachCharGram(words.join(''), spec.charNgrams, (key) => add(vocab.charIndex.get(key)));
  vocab.wordIndex.forEachFeature(words, spec.wordNgrams, add);
  const indices = touched.slice(0, size);
  const values = new Float32Array(size);
  let charNorm = 0;
  let wordNorm = 0;
  for (let j = 0; j < size; j++) {
    const i = indices[j] as number;
    const v = (1 + Math.log(counts[i] as number)) * (vocab.idf[i] as number);
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
