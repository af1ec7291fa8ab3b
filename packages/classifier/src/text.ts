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
  const words: string[] = [];
  for (const token of jieba().cut(text.normalize('NFKC'), true)) {
    const han = isCommonHan(token) ? token : token.replace(nonHan, '');
    if (han) words.push(han);
  }
  return words;
}

/** Whether every character is in CJK Unified Ideographs (U+4E00–U+9FFF): most words, kept without a regular expression. */
function isCommonHan(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 0x4e00 || c > 0x9fff) return false;
  }
  return token.length > 0;
}

/** The words that carry content: segmented, then stop words removed. */
export function contentWords(text: string, stopWords: ReadonlySet<string>): string[] {
  return segment(text).filter((w) => !stopWords.has(w));
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
