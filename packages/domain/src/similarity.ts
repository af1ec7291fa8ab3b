/**
 * Near-duplicate appeals (并单): the same citizen posting the same complaint again, or a
 * copy of one complaint handed in for the same place, with small edits. Chinese has no
 * spaces between words, so texts are compared as sets of overlapping character pairs
 * (bigrams), the usual unit for Chinese near-duplicate detection: no word list, no model.
 */

/**
 * A pair at or above this score is offered to agents as a likely duplicate. Tuned on the
 * hand-labelled pairs in scripts/data/duplicate-pairs.jsonl (scripts/eval-duplicates.ts):
 * just below it, texts by one author about a different matter start to score as high.
 * Text alone cannot tell one complaint copied out for two different estates from a
 * repost, which is why callers narrow the candidates to the same caller or place first.
 */
export const DUPLICATE_THRESHOLD = 0.6;

/** The text two tickets are compared on: what the agent recorded as title and content. */
export function appealText(title: string, content: string): string {
  return `${title}\n${content}`;
}

const DIGIT = 0x30;
const letterOrNumber = /[\p{L}\p{N}]/u;
const decimalDigit = /\p{Nd}/u;

/**
 * What one character outside ASCII and the common ideographs counts as: its NFKC form
 * (full-width Ａ３ → a3, ① → 1, ㎡ → m2), lower-cased, with digits of any script as `0`
 * and everything that is not a letter or digit (Chinese punctuation, symbols) dropped.
 * Characters beyond the BMP fold into the private-use area, otherwise dropped, so that
 * every kept character fits in 16 bits.
 */
function foldCharacter(codePoint: number): number[] {
  const codes: number[] = [];
  for (const char of String.fromCodePoint(codePoint).normalize('NFKC').toLowerCase()) {
    if (!letterOrNumber.test(char)) continue;
    const code = decimalDigit.test(char) ? DIGIT : (char.codePointAt(0) as number);
    codes.push(code > 0xffff ? 0xe000 + (code & 0xfff) : code);
  }
  return codes;
}

/**
 * foldCharacter of each BMP character met so far: 0 not yet seen, -1 dropped, -2 several
 * characters (kept in `expansions`), else the one code. Chinese texts are full of the same
 * few punctuation marks, and Unicode property tests on each of them would cost more than
 * the whole rest of the comparison.
 */
const foldedBmp = new Int32Array(0x10000);
const expansions = new Map<number, number[]>();

function foldBmp(c: number): number {
  const known = foldedBmp[c] as number;
  if (known !== 0) return known;
  const codes = foldCharacter(c);
  const code = codes.length === 0 ? -1 : codes.length === 1 ? (codes[0] as number) : -2;
  if (code === -2) expansions.set(c, codes);
  foldedBmp[c] = code;
  return code;
}

/** Folded characters of the text being read; reused, since scoring is synchronous. */
let folded = new Uint16Array(4096);

/**
 * Appends a folded character at `n` and returns the new length. A run of digits counts as
 * one `0`, because reposts change dates and counts ("第3次反映" → "第4次反映") while the
 * matter stays the same. (A plain function, not a closure: this runs for every character.)
 */
function append(n: number, code: number): number {
  if (code === DIGIT && n > 0 && folded[n - 1] === DIGIT) return n;
  // NFKC may expand one character into several (㎉ → kcal); grow rather than drop them.
  if (n === folded.length) {
    const grown = new Uint16Array(n * 2);
    grown.set(folded);
    folded = grown;
  }
  folded[n] = code;
  return n + 1;
}

/**
 * Writes the characters of a text that tell two appeals apart into `folded` and returns
 * how many: full-width forms, case, punctuation, spaces and the value of numbers fold away.
 */
function foldText(text: string): number {
  if (folded.length < text.length) folded = new Uint16Array(text.length * 2);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Ideographs and ASCII are NFKC-stable and nearly all of a Chinese appeal.
    if (c >= 0x4e00 && c <= 0x9fff) n = append(n, c);
    else if (c >= 0x61 && c <= 0x7a) n = append(n, c);
    else if (c >= 0x41 && c <= 0x5a) n = append(n, c + 0x20);
    else if (c >= 0x30 && c <= 0x39) n = append(n, DIGIT);
    else if (c < 0x80) continue;
    else if (c >= 0xd800 && c <= 0xdbff && (text.codePointAt(i) as number) > 0xffff) {
      for (const code of foldCharacter(text.codePointAt(i) as number)) n = append(n, code);
      i++;
    } else {
      const code = foldBmp(c);
      if (code >= 0) n = append(n, code);
      else if (code === -2) for (const part of expansions.get(c) ?? []) n = append(n, part);
    }
  }
  return n;
}

/**
 * A set of 32-bit bigram codes (first character in the high half) in open addressing; 0
 * marks an empty slot, which no code can be since every kept character is at least `0`
 * (0x30). The slot comes from the high bits of a multiplicative hash, because the low
 * bits of a code are its second character alone.
 */
class BigramSet {
  private readonly slots: Uint32Array;
  private readonly mask: number;
  private readonly shift: number;
  size = 0;

  constructor(capacity: number) {
    let bits = 3;
    while (1 << bits < capacity * 2) bits++;
    this.slots = new Uint32Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
  }

  /**
   * The distinct bigrams of a text; a one-character text is its own code. With `against`,
   * also counts how many of them it holds, in the same pass.
   */
  static of(text: string, against?: BigramSet): { set: BigramSet; shared: number } {
    const n = foldText(text);
    const set = new BigramSet(Math.max(1, n - 1));
    let shared = 0;
    for (let i = n === 1 ? 0 : 1; i < n; i++) {
      const code = n === 1 ? (folded[0] as number) : (((folded[i - 1] as number) << 16) | (folded[i] as number)) >>> 0;
      if (set.add(code) && against?.has(code)) shared++;
    }
    return { set, shared };
  }

  /** Adds the code; false when it was there already. */
  add(code: number): boolean {
    for (let i = Math.imul(code, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i];
      if (slot === code) return false;
      if (slot === 0) {
        this.slots[i] = code;
        this.size++;
        return true;
      }
    }
  }

  has(code: number): boolean {
    for (let i = Math.imul(code, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i];
      if (slot === code) return true;
      if (slot === 0) return false;
    }
  }
}

/**
 * Scores other texts against one appeal, 0..1: the cosine of the two bigram sets
 * (Otsuka–Ochiai). Unlike Jaccard it does not punish a repost for a sentence added at the
 * end; unlike containment it does not call a one-line note a duplicate of every long
 * complaint that happens to contain its words. The appeal is prepared once, so scoring
 * each candidate is one pass over its text.
 */
export function similarityTo(text: string): (other: string) => number {
  const own = BigramSet.of(text).set;
  return (other) => {
    if (own.size === 0) return 0;
    const { set: theirs, shared } = BigramSet.of(other, own);
    return theirs.size === 0 ? 0 : shared / Math.sqrt(own.size * theirs.size);
  };
}

export function textSimilarity(a: string, b: string): number {
  return similarityTo(a)(b);
}
