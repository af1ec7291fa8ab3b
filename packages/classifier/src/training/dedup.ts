/**
 * Near-duplicate detection for reposts: the same appeal posted again with a word changed, or
 * one message present both as raw text and as jieba tokens. Texts are compared on their
 * normalised content words, as 5-character shingles; MinHash with banded LSH proposes
 * candidate pairs and the exact Jaccard similarity of the shingle sets decides.
 */
const SHINGLE = 5;
const HASHES = 64;
const BANDS = 16;
const ROWS_PER_BAND = HASHES / BANDS;

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function mix(x: number, seed: number): number {
  let h = Math.imul(x ^ seed, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function shingles(text: string): Set<number> {
  const out = new Set<number>();
  if (text.length <= SHINGLE) {
    if (text) out.add(hashString(text));
    return out;
  }
  for (let i = 0; i + SHINGLE <= text.length; i++) out.add(hashString(text.slice(i, i + SHINGLE)));
  return out;
}

function jaccard(a: Set<number>, b: Set<number>): number {
  let shared = 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) shared++;
  const union = a.size + b.size - shared;
  return union ? shared / union : 1;
}

/**
 * Groups texts whose shingle sets overlap by at least `threshold` (transitively).
 * Returns a group id per text; texts alone in their group keep distinct ids.
 */
export function nearDuplicateGroups(normalisedTexts: readonly string[], threshold: number): Int32Array {
  const parent = Int32Array.from(normalisedTexts, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number;
      i = parent[i] as number;
    }
    return i;
  };
  const sets = normalisedTexts.map(shingles);
  const buckets = new Map<string, number[]>();
  sets.forEach((set, i) => {
    if (set.size === 0) return;
    const signature = new Uint32Array(HASHES).fill(0xffffffff);
    for (const x of set) {
      for (let h = 0; h < HASHES; h++) {
        const v = mix(x, h * 0x9e3779b1 + 1);
        if (v < (signature[h] as number)) signature[h] = v;
      }
    }
    for (let band = 0; band < BANDS; band++) {
      const key = `${band}:${Array.from(signature.subarray(band * ROWS_PER_BAND, (band + 1) * ROWS_PER_BAND)).join(',')}`;
      const bucket = buckets.get(key);
      if (bucket) bucket.push(i);
      else buckets.set(key, [i]);
    }
  });
  const compared = new Set<number>();
  for (const bucket of buckets.values()) {
    for (let a = 0; a < bucket.length; a++) {
      for (let b = a + 1; b < bucket.length; b++) {
        const i = bucket[a] as number;
        const j = bucket[b] as number;
        const pair = i * normalisedTexts.length + j;
        if (compared.has(pair)) continue;
        compared.add(pair);
        if (find(i) !== find(j) && jaccard(sets[i] as Set<number>, sets[j] as Set<number>) >= threshold) parent[find(i)] = find(j);
      }
    }
  }
  return Int32Array.from(normalisedTexts, (_, i) => find(i));
}
