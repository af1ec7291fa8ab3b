import t from 'tap';
import { CharGramIndex, WordGramIndex } from '../src/features';

t.test('CharGramIndex emits the features of exactly the vocabulary n-grams of a text, by position, shortest first', async (t) => {
  // Features from 5; 音扰民 is a term whose prefix 音扰 is not, and 路灯不 one whose prefix 路灯 is not.
  const index = new CharGramIndex(['噪', '噪音', '噪音扰', '扰民', '施工', '路灯不', '音扰民'], 5);
  const found = (text: string, range: [number, number] = [1, 3]) => {
    const features: number[] = [];
    index.forEachFeature(text, range, (f) => features.push(f));
    return features;
  };
  t.same(found('噪音扰民'), [5, 6, 7, 11, 8]);
  t.same(found('路灯不亮'), [10]);
  t.same(found('路灯'), []);
  t.same(found('噪音扰民', [2, 3]), [6, 7, 11, 8]);
  t.same(found('噪音扰民', [1, 2]), [5, 6, 8]);
  t.same(found('施工噪'), [9, 5]);
  t.same(found(''), []);
  t.same(found('abc 123 😀'), []);
});

t.test('CharGramIndex finds n-grams of any length the vocabulary has', async (t) => {
  const index = new CharGramIndex(['小区物业', '小区', '物业'], 0);
  const features: number[] = [];
  index.forEachFeature('小区物业费', [1, 4], (f) => features.push(f));
  t.same(features, [1, 0, 2]);
});

t.test('WordGramIndex emits the features of exactly the vocabulary n-grams in a row, in order', async (t) => {
  // Terms as the artifact stores them: a leading space, words joined by spaces; features from 10.
  const index = new WordGramIndex([' 小区', ' 噪音', ' 小区 噪音', ' 噪音 扰民', ' 扰民', ' 夜间 施工'], 10);
  const found = (words: string[]) => {
    const features: number[] = [];
    index.forEachFeature(words, [1, 2], (f) => features.push(f));
    return features;
  };
  t.same(found(['小区', '噪音', '扰民']), [10, 12, 11, 13, 14]);
  // An unknown word breaks every n-gram through it; 夜间 alone is no unigram term, only part of a bigram.
  t.same(found(['小区', '物业', '噪音']), [10, 11]);
  t.same(found(['夜间', '施工']), [15]);
  // Part of a known word, or a known word and more, is no known word.
  t.same(found(['小', '噪音']), [11]);
  t.same(found(['小区区', '噪音']), [11]);
  t.same(found(['施工', '夜间']), []);
  t.same(found([]), []);
  const bigramsOnly: number[] = [];
  index.forEachFeature(['小区', '噪音', '扰民'], [2, 2], (f) => bigramsOnly.push(f));
  t.same(bigramsOnly, [12, 13]);
});
