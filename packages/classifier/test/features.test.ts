import t from 'tap';
import { KeyIndex, WordGramIndex, charGramKey } from '../src/features';

t.test('KeyIndex finds every key it was built with and nothing else', async (t) => {
  const terms = ['噪', '噪音', '噪音扰', '扰民', '施工', '路灯不'];
  const index = new KeyIndex(terms.map(charGramKey));
  terms.forEach((term, i) => t.equal(index.get(charGramKey(term)), i, term));
  for (const absent of ['音', '音扰民', '路灯', '灯不亮']) t.equal(index.get(charGramKey(absent)), undefined, absent);
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
  t.same(found(['施工', '夜间']), []);
  t.same(found([]), []);
  const bigramsOnly: number[] = [];
  index.forEachFeature(['小区', '噪音', '扰民'], [2, 2], (f) => bigramsOnly.push(f));
  t.same(bigramsOnly, [12, 13]);
});
