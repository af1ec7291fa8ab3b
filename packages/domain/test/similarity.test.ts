import t from 'tap';
import { appealText, DUPLICATE_THRESHOLD, similarityTo, textSimilarity } from '../src/index';

const original = appealText(
  'A3区枫林路某小区夜间施工噪音扰民',
  'A市A3区枫林路某小区旁工地每天晚上十一点后仍在施工，噪音很大，严重影响居民休息，请相关部门尽快处理。',
);

t.test('an identical text scores 1, whatever the punctuation, spacing, width and numbers', async (t) => {
  t.equal(textSimilarity(original, original), 1);
  t.equal(textSimilarity('Ａ３区，某小区 路灯不亮！', 'a3区某小区路灯不亮'), 1, 'full-width, case, punctuation and spaces fold away');
  t.equal(textSimilarity('已经第3次反映了，2019年5月5日', '已经第12次反映了，2019年11月20日'), 1, 'the value of numbers does not count');
  t.equal(textSimilarity('面积120㎡', '面积80m2'), 1, 'compatibility forms fold as NFKC does');
});

t.test('a repost with small edits is a duplicate', async (t) => {
  const repost = appealText(
    '再次反映A3区枫林路某小区夜间施工噪音扰民',
    '再次反映：A3区枫林路某小区旁的工地，每天晚上十一点以后还在施工，噪音很大，严重影响居民休息，已经投诉3次了，请相关部门尽快处理！',
  );
  const score = textSimilarity(original, repost);
  t.ok(score >= DUPLICATE_THRESHOLD, `scored ${score}`);
  t.ok(score < 1);
  t.equal(textSimilarity(repost, original), score, 'the score is symmetric');
});

t.test('texts on the same topic about another place or another matter are not duplicates', async (t) => {
  const otherSite = appealText(
    'A5区劳动东路工地凌晨打桩扰民',
    'A5区劳动东路某花园对面的工地每天凌晨五点就开始打桩，声音很大，老人小孩都睡不好，希望城管部门管一管。',
  );
  const otherMatter = appealText(
    'A3区枫林路某小区门口路灯不亮',
    'A市A3区枫林路某小区门口的路灯已经坏了一个月，晚上出行很不安全，请相关部门尽快维修。',
  );
  for (const other of [otherSite, otherMatter]) {
    const score = textSimilarity(original, other);
    t.ok(score > 0 && score < DUPLICATE_THRESHOLD, `scored ${score}`);
  }
});

t.test('a short note is not a duplicate of a long complaint that contains its words', async (t) => {
  const note = '枫林路工地夜间施工';
  t.ok(textSimilarity(note, original) < DUPLICATE_THRESHOLD);
});

t.test('texts without letters or digits, single characters and rare characters', async (t) => {
  t.equal(textSimilarity('', original), 0);
  t.equal(textSimilarity('，。！？……', original), 0, 'punctuation alone is nothing to compare');
  t.equal(textSimilarity(original, '！！！'), 0);
  t.equal(textSimilarity('路', '路'), 1);
  t.equal(textSimilarity('路', '灯'), 0);
  t.equal(textSimilarity('𠀀𠀁小区停水', '𠀀𠀁小区停水😀'), 1, 'characters beyond the BMP count; emoji do not');
  t.ok(textSimilarity('𠀀𠀁小区停水', '𠀂𠀃小区停水') < 1);
  t.equal(textSimilarity('\ud800小区停水', '小区停水'), 1, 'a lone surrogate is dropped, not an error');
});

t.test('one appeal is prepared once and scored against many', async (t) => {
  const score = similarityTo(original);
  const filler = Array.from({ length: 10_000 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20_000))).join('');
  const long = `${original}${filler}`;
  t.equal(score(original), 1);
  t.ok(score(long) > 0 && score(long) < DUPLICATE_THRESHOLD, 'a 10,000-character text is scored too');
  t.equal(score(original), 1, 'scoring a long text leaves the next score unchanged');
  t.equal(similarityTo('')(original), 0);
});
