import t from 'tap';
import { recommendMinimumContentWords, type ContentWordsFigures } from '../lib/classifier-evaluation';

const band = (from: number, to: number | null, precision: number, coverage = 0.5): ContentWordsFigures => ({ from, to, texts: 100, coverage, precision });

t.test('the recommended minimum is the lowest band from which every band up is precise enough', async (t) => {
  const bands = [band(1, 4, 0.78), band(5, 8, 0.93), band(9, 12, 0.952), band(13, 16, 0.972), band(17, 24, 0.97), band(25, null, 0.971)];
  t.equal(recommendMinimumContentWords(bands, 0.97), 13);
  t.equal(recommendMinimumContentWords(bands, 0.95), 9);
});

t.test('a precise short band under an imprecise one does not lower the minimum', async (t) => {
  const bands = [band(1, 4, 1), band(5, 8, 0.9), band(9, null, 0.98)];
  t.equal(recommendMinimumContentWords(bands, 0.97), 9);
});

t.test('every band precise enough: no minimum', async (t) => {
  t.equal(recommendMinimumContentWords([band(1, 4, 0.99), band(5, null, 0.98)], 0.97), 0);
});

t.test('a band where nothing is routed holds nothing back', async (t) => {
  t.equal(recommendMinimumContentWords([band(1, 4, 1, 0), band(5, 8, 0.5), band(9, null, 0.98)], 0.97), 9);
});
