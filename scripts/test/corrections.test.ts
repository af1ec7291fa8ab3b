import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { streamNames } from '@hotline/contracts';
import { classificationCorrections } from '@hotline/db';
import { Cleanup, createTestDatabase, seedTicket } from '@hotline/testkit';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { prepareLabelledData } from '../lib/classifier-training';
import { readCorrections } from '../lib/corrections';

// 30 real labelled messages (10 each of 城乡建设, 教育文体, 环境保护), copied from the data.
const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'labelled-sample.jsonl');
const quiet = () => {};

t.test('pnpm train --with-corrections learns the agents corrections, deduplicated with the rest', async (t) => {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  const names = streamNames('corrections');
  const first = JSON.parse(readFileSync(fixture, 'utf8').split('\n')[0] as string) as { text: string; label: string };
  const [repeatedTitle, ...rest] = first.text.split('\n');
  const corrections = [
    // A matter of a category the data has no labels for.
    { title: '殡仪馆收费太高', content: '我母亲上个月去世，殡仪馆的火化费和骨灰盒价格高得离谱，请民政部门管一管殡葬收费。', corrected: '民政', code: '09' },
    // The same message as a labelled one, relabelled by an agent: one group, not two rows.
    { title: repeatedTitle as string, content: rest.join('\n'), corrected: '教育文体', code: '14' },
  ];
  for (const c of corrections) {
    const ticket = await seedTicket(database, names, { status: 'triage', title: c.title, content: c.content });
    await database.db.insert(classificationCorrections).values({
      id: uuidv7(),
      ticketId: ticket.id,
      title: c.title,
      content: c.content,
      predicted: null,
      corrected: c.corrected,
      categoryCode: c.code,
      agentId: 'dev-agent',
    });
  }

  const rows = await readCorrections(database.url);
  t.same(
    rows.map((r) => ({ label: r.label, kind: r.kind, text: r.text })),
    corrections.map((c) => ({ label: c.corrected, kind: 'raw', text: `${c.title}\n${c.content}` })),
    'each correction is a raw-text row labelled with the category the agent chose',
  );

  const data = prepareLabelledData(fixture, quiet, rows);
  t.equal(data.rows.length, 32, 'the file rows and the corrections');
  t.ok(data.labels.includes('民政'), 'a category only the agents used becomes a label');
  t.equal(data.deduplication.kept.length, 31, 'the relabelled repeat of a labelled message is deduplicated');
  t.equal(data.deduplication.conflictingGroups, 1, 'and counted as a group whose labels disagree');
  const kept = [...data.train, ...data.holdout].map((r) => r.row.text);
  t.ok(kept.includes(`${corrections[0]?.title}\n${corrections[0]?.content}`), 'the new appeal is in the data that is split');
});

t.test('an unreachable database is a clear error', async (t) => {
  await t.rejects(readCorrections('postgres://postgres@127.0.0.1:9/hotline'), /cannot read the corrections .*DATABASE_URL/);
});
