import t from 'tap';
import { loadClassifierConfig } from '../src/config';

t.test('an empty threshold or minimum is unset, so the model\'s own applies, not 0', async (t) => {
  const config = loadClassifierConfig({ CLASSIFIER_THRESHOLD: '', CLASSIFIER_MIN_CONTENT_WORDS: '' });
  t.equal(config.CLASSIFIER_THRESHOLD, undefined);
  t.equal(config.CLASSIFIER_MIN_CONTENT_WORDS, undefined);
});

t.test('set ones are numbers; a bad one is refused, naming the variable', async (t) => {
  const config = loadClassifierConfig({ CLASSIFIER_THRESHOLD: '0.8', CLASSIFIER_MIN_CONTENT_WORDS: '0' });
  t.equal(config.CLASSIFIER_THRESHOLD, 0.8);
  t.equal(config.CLASSIFIER_MIN_CONTENT_WORDS, 0);
  t.throws(() => loadClassifierConfig({ CLASSIFIER_MIN_CONTENT_WORDS: 'twelve' }), /CLASSIFIER_MIN_CONTENT_WORDS/);
  t.throws(() => loadClassifierConfig({ CLASSIFIER_MIN_CONTENT_WORDS: '2.5' }), /CLASSIFIER_MIN_CONTENT_WORDS/);
  t.throws(() => loadClassifierConfig({ CLASSIFIER_THRESHOLD: '1.5' }), /CLASSIFIER_THRESHOLD/);
});
