/**
 * Recovers the stop-word list the `tokens` rows were cleaned with, which did not ship with the
 * data: a word that jieba finds in at least `minDocuments` raw texts but in no tokens text was
 * removed by that list. Dropping the same words from every input makes raw text look like the
 * tokens rows, so both halves of the data train one model and raw tickets meet familiar features.
 */
export function deriveStopWords(docs: readonly { words: readonly string[]; kind: 'raw' | 'tokens' }[], minDocuments = 5): string[] {
  const rawDf = new Map<string, number>();
  const tokensVocabulary = new Set<string>();
  for (const { words, kind } of docs) {
    const distinct = new Set(words);
    if (kind === 'tokens') for (const w of distinct) tokensVocabulary.add(w);
    else for (const w of distinct) rawDf.set(w, (rawDf.get(w) ?? 0) + 1);
  }
  return [...rawDf]
    .filter(([w, n]) => n >= minDocuments && !tokensVocabulary.has(w))
    .map(([w]) => w)
    .sort();
}
