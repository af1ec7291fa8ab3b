import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/messages.json', import.meta.url), 'utf8')) as {
  byCategory: { label: string; text: string }[];
};

function runClassify(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/classify.ts'], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The JSON lines pnpm classify wrote. */
function outputLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);
}

t.test('pnpm classify answers every line in order, with an error line for bad input', async (t) => {
  const [housing, education] = [fixtures.byCategory.find((f) => f.label === '城乡建设'), fixtures.byCategory.find((f) => f.label === '教育文体')];
  const [title, ...body] = (education?.text ?? '').split('\n');
  const lines = [
    JSON.stringify({ text: housing?.text }),
    'this is not json',
    JSON.stringify({ title: 'no text here' }),
    '',
    JSON.stringify({ text: body.join('\n'), title }),
    JSON.stringify({ text: '' }),
    JSON.stringify([1, 2]),
  ];
  const { code, stdout, stderr } = await runClassify(`${lines.join('\n')}\n`);
  t.equal(code, 0, stderr);
  const out = outputLines(stdout);
  t.equal(out.length, 6, 'one line per non-blank input line');
  t.match(out[0], { category: '城乡建设', department: 'housing', confidence: Number, alternatives: [{ category: String, probability: Number }, { category: String, probability: Number }] });
  t.same(Object.keys(out[0] ?? {}), ['category', 'department', 'confidence', 'alternatives']);
  t.match(out[1], { error: /not JSON/ });
  t.match(out[2], { error: /text/ });
  t.match(out[3], { category: '教育文体', department: 'education' });
  t.ok((out[4]?.confidence as number) < 0.5, 'empty text gets low confidence');
  t.match(out[5], { error: /text/ });
});

t.test('pnpm classify keeps the order across batches, with bad lines among good ones', async (t) => {
  // 700 lines: more than two of the batches it classifies together, an error line every 97th.
  const expected: string[] = [];
  const lines: string[] = [];
  for (let i = 0; i < 700; i++) {
    if (i % 97 === 50) {
      lines.push('{"text": 42}');
      expected.push('error');
    } else {
      const fixture = fixtures.byCategory[i % fixtures.byCategory.length] as { label: string; text: string };
      lines.push(JSON.stringify({ text: fixture.text }));
      expected.push(fixture.label);
    }
  }
  const { code, stdout, stderr } = await runClassify(`${lines.join('\n')}\n`);
  t.equal(code, 0, stderr);
  const out = outputLines<{ category?: string; error?: string }>(stdout);
  t.same(
    out.map((o, i) => o.category ?? (o.error === `line ${i + 1}: no "text" string` ? 'error' : o.error)),
    expected,
  );
});

t.test('pnpm classify reads a file saved on Windows: a byte order mark first, CRLF line ends', async (t) => {
  const texts = fixtures.byCategory.slice(0, 3);
  const { code, stdout, stderr } = await runClassify(`\uFEFF${texts.map((f) => JSON.stringify({ text: f.text })).join('\r\n')}\r\n`);
  t.equal(code, 0, stderr);
  const out = outputLines<{ category?: string; error?: string }>(stdout);
  t.same(
    out.map((o) => o.category ?? o.error),
    texts.map((f) => f.label),
    'every line classified, the first one too',
  );
});
