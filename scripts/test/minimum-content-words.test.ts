import t from 'tap';
import { contentWordBands, recommendMinimumContentWords, type ContentWordsFigures } from '../lib/classifier-evaluation';

/** A band of 100 texts with `routed` of them routed and `right` of those right. */
const band = (from: number, to: number | null, routed: number, right: number): ContentWordsFigures => ({
  from,
  to,
  texts: 100,
  routed,
  right,
  coverage: routed / 100,
  precision: routed ? right / routed : 1,
});

t.test('the recommended minimum is the lowest band from which the routed texts up are, together, precise enough', async (t) => {
  // The holdout's bands at 0.90 on 2026-12-02: 77.8 %, 93.3 %, 95.2 %, 97.2 %, 97.0 %, 97.1 %.
  const bands = [band(1, 4, 9, 7), band(5, 8, 270, 252), band(9, 12, 146, 139), band(13, 16, 179, 174), band(17, 24, 200, 194), band(25, null, 1357, 1318)];
  t.equal(recommendMinimumContentWords(bands, 0.97), 13, '9 and up together: 96.97 %');
  t.equal(recommendMinimumContentWords(bands, 0.965), 5, '5 and up together: 96.5 %, 1 and up 96.4 %');
  t.equal(recommendMinimumContentWords(bands, 0.9), 0, 'every band together is precise enough: no minimum');
});

t.test('one more wrong text in a band above does not move the minimum far', async (t) => {
  const bands = [band(1, 4, 9, 7), band(5, 8, 270, 252), band(9, 12, 146, 139), band(13, 16, 179, 174), band(17, 24, 200, 193), band(25, null, 1357, 1318)];
  t.equal(recommendMinimumContentWords(bands, 0.97), 13, 'the 17-24 band at 96.5 % alone, 97.1 % with those above');
});

t.test('a precise short band under an imprecise one does not lower the minimum', async (t) => {
  t.equal(recommendMinimumContentWords([band(1, 4, 50, 50), band(5, 8, 50, 40), band(9, null, 100, 99)], 0.97), 9);
});

t.test('a band where nothing is routed holds nothing back', async (t) => {
  t.equal(recommendMinimumContentWords([band(1, 4, 10, 5), band(5, 8, 0, 0), band(9, null, 100, 99)], 0.97), 5);
});

t.test('when even the top band is not precise enough, no minimum helps: 0', async (t) => {
  t.equal(recommendMinimumContentWords([band(1, 4, 10, 10), band(5, null, 100, 90)], 0.97), 0);
});

t.test('texts fall in bands by their content words, edges included; texts with none in no band', async (t) => {
  const text = (contentWords: number, right: boolean, confidence = 0.95) => ({ label: 'A', category: right ? 'A' : 'B', confidence, contentWords });
  const bands = contentWordBands([text(0, true), text(4, true), text(5, false), text(12, true), text(13, true), text(13, false, 0.5), text(24, true), text(25, false), text(400, true)], 0.9);
  t.same(
    bands.map((b) => [b.from, b.to, b.texts, b.routed, b.right]),
    [
      [1, 4, 1, 1, 1],
      [5, 8, 1, 1, 0],
      [9, 12, 1, 1, 1],
      [13, 16, 2, 1, 1],
      [17, 24, 1, 1, 1],
      [25, null, 2, 2, 1],
    ],
  );
  t.equal(bands[3]?.coverage, 0.5);
  t.equal(bands[5]?.precision, 0.5);
});
