import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

// One segmenter per process: loading the dictionary costs ~200 ms.
let segmenter: Jieba | undefined;
function jieba(): Jieba {
  segmenter ??= Jieba.withDict(dict);
  return segmenter;
}

const nonHan = /\P{Script=Han}+/gu;

/**
 * Segments text into words made of Chinese characters only.
 *
 * Half of the labelled data survives only as jieba output with punctuation, Latin letters and
 * stop words removed, and callers may send text in either form, so every input goes through
 * the same path: NFKC (full-width forms), jieba, then strip everything that is not Han. Digits
 * and Latin letters are dropped because the anonymised place codes (A3区, D9县) and phone
 * numbers carry no category signal and would only teach the model the data set's quirks.
 */
export function segment(text: string): string[] {
  return contentWords(text, NO_STOP_WORDS);
}

const NO_STOP_WORDS: ReadonlySet<string> = new Set();

/** The words that carry content: segmented, then stop words removed. */
export function contentWords(text: string, stopWords: ReadonlySet<string>): string[] {
  const words: string[] = [];
  for (const token of jieba().cut(text.normalize('NFKC'), true)) {
    const han = hanOnly(token);
    if (han && !stopWords.has(han)) words.push(han);
  }
  return words;
}

/**
 * The token's Han characters. Most tokens are all CJK Unified Ideographs (U+4E00–U+9FFF) and
 * most others have no character at or above U+2E80, where Han begins (punctuation, digits and
 * Latin letters after NFKC): both are answered without a regular expression.
 */
function hanOnly(token: string): string {
  let common = true;
  let maybeHan = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 0x4e00 || c > 0x9fff) common = false;
    if (c >= 0x2e80) maybeHan = true;
  }
  if (common) return token;
  return maybeHan ? token.replace(nonHan, '') : '';
}

/**
 * The text a ticket is classified on. The labelled raw rows are "title\nbody"; a title
 * already repeated at the start of the text is not added twice.
 */
export function ticketText(text: string, title?: string): string {
  const t = title?.trim();
  if (!t || text.trimStart().startsWith(t)) return text;
  return `${t}\n${text}`;
}
