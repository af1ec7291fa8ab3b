import { readFileSync } from 'node:fs';
import t from 'tap';
import { loadModel } from '../src/index';

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/messages.json', import.meta.url), 'utf8')) as {
  byCategory: { label: string; text: string }[];
  rawAndTokens: { label: string; raw: string; tokens: string }[];
};
const model = loadModel();

t.test('the committed model loads with its metadata', async (t) => {
  t.match(model.version, /^\d{8}-[0-9a-f]{8}$/);
  t.equal(model.labels.length, 7);
  t.ok(model.recommendedThreshold > 0.3 && model.recommendedThreshold < 1, `threshold ${model.recommendedThreshold}`);
});

t.test('an obvious message of each category is classified correctly', async (t) => {
  t.equal(fixtures.byCategory.length, 7);
  for (const { label, text } of fixtures.byCategory) {
    const result = model.classify(text);
    t.equal(result.category, label, text.slice(0, 30));
  }
});

t.test('ranked lists every category, most probable first, summing to 1', async (t) => {
  for (const { text } of fixtures.byCategory) {
    const { category, confidence, ranked } = model.classify(text);
    t.equal(ranked.length, 7);
    t.same(new Set(ranked.map((r) => r.category)), new Set(model.labels));
    t.equal(ranked[0]?.category, category);
    t.equal(ranked[0]?.probability, confidence);
    for (let i = 1; i < ranked.length; i++) t.ok((ranked[i - 1]?.probability ?? 0) >= (ranked[i]?.probability ?? 0));
    t.ok(Math.abs(ranked.reduce((a, r) => a + r.probability, 0) - 1) < 1e-9);
  }
});

t.test('empty, gibberish and non-Chinese text get a confidence below the routing threshold', async (t) => {
  const inputs = ['', '   ', '！？。，……', '1234567890', 'asdf qwer zxcv', 'The street lamp outside my building has been broken for weeks.', '😀😀😀', '啊啊啊啊', '嗯'];
  for (const text of inputs) {
    const { confidence, ranked } = model.classify(text);
    t.ok(confidence < model.recommendedThreshold, `${JSON.stringify(text)} → ${confidence.toFixed(3)}`);
    t.ok(Math.abs(ranked.reduce((a, r) => a + r.probability, 0) - 1) < 1e-9);
  }
});

t.test('the raw wording and the jieba-tokens form of one message agree', async (t) => {
  t.ok(fixtures.rawAndTokens.length >= 2);
  for (const { label, raw, tokens } of fixtures.rawAndTokens) {
    const a = model.classify(raw);
    const b = model.classify(tokens);
    t.equal(a.category, label);
    t.equal(b.category, a.category);
    t.ok(Math.abs(a.confidence - b.confidence) < 0.05, `${a.confidence.toFixed(3)} vs ${b.confidence.toFixed(3)}`);
  }
});

t.test('a separate title counts as the first line of the text', async (t) => {
  const [title, ...body] = (fixtures.byCategory[0]?.text ?? '').split('\n');
  t.same(model.classify(body.join('\n'), title), model.classify(`${title}\n${body.join('\n')}`));
  t.same(model.classify(`${title}\n${body.join('\n')}`, title), model.classify(`${title}\n${body.join('\n')}`));
});

t.test('classifying many at once gives what classifying each alone gives, in order', async (t) => {
  const tickets: { text: string; title?: string }[] = [...fixtures.byCategory.map(({ text }) => ({ text })), { text: '' }, { text: '一二三', title: '小区噪音' }, ...fixtures.rawAndTokens.map(({ tokens }) => ({ text: tokens }))];
  t.same(
    model.classifyMany(tickets),
    tickets.map(({ text, title }) => model.classify(text, title)),
  );
  t.same(model.classifyMany([]), []);
});

t.test('a term repeated past what the model counts leaves the next classification unchanged', async (t) => {
  const text = fixtures.byCategory[0]?.text ?? '';
  const before = model.classify(text);
  const flood = model.classify('噪音'.repeat(70_000));
  t.equal(flood.ranked.length, 7);
  t.ok(Math.abs(flood.ranked.reduce((a, r) => a + r.probability, 0) - 1) < 1e-9);
  t.same(model.classify(text), before);
});
