import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultModelPath } from '@hotline/classifier';
import { parseTicketEvent } from '@hotline/contracts';
import { classificationCorrections, ticketEvents } from '@hotline/db';
import { collectMessages, recordingLogger, sleep } from '@hotline/testkit';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { agent, buildTestClassifier } from './helper';

async function createTicket(intake: FastifyInstance, content: string, title?: string): Promise<string> {
  const res = await intake.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { channel: 'web', type: 'complaint', content, title } });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().id;
}

async function settled(intake: FastifyInstance, id: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ticket = (await intake.inject({ method: 'GET', url: `/v1/tickets/${id}`, headers: agent })).json();
    if (ticket.status !== 'received') return ticket;
    if (Date.now() > until) throw new Error(`ticket ${id} still received`);
    await sleep(50);
  }
}

t.test('a clear appeal is classified with category, department, confidence and model version', async (t) => {
  const { intake, classifier, bus } = await buildTestClassifier(t);
  const events = await collectMessages(bus, bus.names.tickets, bus.names.ticketSubject('classified'));
  t.teardown(() => events.stop());
  const id = await createTicket(
    intake,
    '我是A市A5区的一名小学老师，学校今年的绩效工资迟迟没有发放，教师的课时补贴也被取消，请教育局核查学校的经费使用情况。',
    '小学教师绩效工资未发放',
  );
  const ticket = await settled(intake, id);
  t.equal(ticket.status, 'classified');
  t.equal(ticket.category, '14', '教育文体');
  t.equal(ticket.department, 'education');
  t.ok(ticket.confidence >= classifier.rules.threshold);
  t.ok(classifier.model.classify(ticket.content, ticket.title).contentWords >= classifier.rules.minimumContentWords);
  t.equal(ticket.modelVersion, classifier.model.version);
  t.same(
    ticket.history.map((h: { type: string }) => h.type),
    ['received', 'classified'],
  );
  await events.waitFor(1);
  const event = parseTicketEvent(events.received[0]?.data);
  t.match(event, { type: 'classified', ticketId: id, data: { categoryName: '教育文体', department: 'education' } });
});

t.test('unsure texts go to triage and never crash: unlabelled categories, gibberish, empty after cleaning, not Chinese', async (t) => {
  const { intake } = await buildTestClassifier(t);
  // With the cause each triage event records (the minimum of content words is the model's, 13).
  const texts = [
    ['派出所民警在处理邻里纠纷时态度恶劣，执法不公，请求纪委和公安机关调查处理。', /unlabelled_category|unsure/],
    ['我母亲上个月去世，殡仪馆的火化费和公墓的价格高得离谱，请问殡葬补贴怎么申请？', /unlabelled_category/],
    ['婚姻登记处网上预约一直约不上，结婚登记要排好几天的队，希望增加窗口。', /unlabelled_category/],
    ['asdkjh qwe zzxv 123 !!!', /too_few_words/],
    ['？？？！！！……。。', /too_few_words/],
    ['The street light outside my house has been broken for a week.', /too_few_words/],
    ['啊啊啊啊啊啊', /too_few_words|unsure/],
  ] as const;
  for (const [text, cause] of texts) {
    const id = await createTicket(intake, text);
    const ticket = await settled(intake, id);
    t.equal(ticket.status, 'triage', text);
    const triaged = ticket.history.find((h: { type: string }) => h.type === 'triaged');
    t.match(triaged?.data, { reason: /threshold|content words|no training labels/, cause }, text);
  }
});

t.test('an appeal of a few words goes to an agent however confident the model is, and the live suggestion says why', async (t) => {
  const { intake, classifier } = await buildTestClassifier(t, { CLASSIFIER_MIN_CONTENT_WORDS: '13' });
  const short = '小区电梯坏了一个月没人修';
  const classification = classifier.model.classify(short);
  t.ok(classification.confidence >= classifier.rules.threshold, `confident: ${classification.confidence.toFixed(3)}`);
  t.equal(classification.contentWords, 6);

  const ticket = await settled(intake, await createTicket(intake, short));
  t.equal(ticket.status, 'triage');
  const triaged = ticket.history.find((h: { type: string }) => h.type === 'triaged');
  t.equal(triaged?.data.reason, '6 content words, fewer than the 13 needed to route without an agent', 'the triage agent is told why');
  t.equal(triaged?.data.cause, 'too_few_words');
  t.equal(triaged?.data.department, ticket.department, "it names the department of the model's suggestion, as a classified event does");
  t.ok(ticket.department, 'and the ticket has one');

  const live = (await classifier.inject({ method: 'POST', url: '/v1/classify', headers: agent, payload: { text: short } })).json();
  t.match(live, {
    automatic: false,
    contentWords: 6,
    minimumContentWords: 13,
    reason: '6 content words, fewer than the 13 needed to route without an agent: record the appeal as the citizen tells it',
  });
  const told = '我家小区的电梯已经坏了一个多月，物业一直没人来修，老人孩子每天只能爬十几层楼梯，请有关部门督促物业尽快维修。';
  const full = (await classifier.inject({ method: 'POST', url: '/v1/classify', headers: agent, payload: { text: told } })).json();
  t.ok(full.contentWords >= 13, `${full.contentWords} content words`);
  t.equal(full.reason, undefined, 'no reason when it would be routed');
  t.equal(full.automatic, true, 'the appeal as the citizen tells it is routed');
});

t.test('the minimum of content words is configuration: at 0 the same few words are routed on confidence alone', async (t) => {
  const { intake, classifier } = await buildTestClassifier(t, { CLASSIFIER_MIN_CONTENT_WORDS: '0' });
  const ticket = await settled(intake, await createTicket(intake, '小区电梯坏了一个月没人修'));
  const classification = classifier.model.classify('小区电梯坏了一个月没人修');
  t.equal(ticket.status, 'classified');
  t.ok(Math.abs(ticket.confidence - classification.confidence) < 1e-6, 'routed on its confidence');
});

t.test('by default the minimum is the model\'s recommended one', async (t) => {
  const { classifier } = await buildTestClassifier(t);
  t.equal(classifier.rules.minimumContentWords, classifier.model.recommendedMinimumContentWords);
  t.ok((classifier.model.recommendedMinimumContentWords ?? 0) > 0, 'the committed model recommends one');
});

t.test('a model from before the minimum existed: none applies, and the log says so at start', async (t) => {
  const { recommendedMinimumContentWords: _, ...older } = JSON.parse(readFileSync(fileURLToPath(defaultModelPath), 'utf8'));
  const directory = mkdtempSync(path.join(tmpdir(), 'classifier-model-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const file = path.join(directory, 'model.json');
  writeFileSync(file, JSON.stringify(older));
  const log = recordingLogger('info');
  const { classifier } = await buildTestClassifier(t, { CLASSIFIER_MODEL: file }, log.logger);
  t.equal(classifier.model.recommendedMinimumContentWords, undefined);
  t.equal(classifier.rules.minimumContentWords, 0);
  t.ok(
    log.records().some((r) => r.level === 40 && /no minimum of content words/.test(String(r.msg))),
    'a warning names what is missing',
  );
});

t.test('a redelivered received event changes nothing twice', async (t) => {
  const { intake, database, bus } = await buildTestClassifier(t);
  const id = await createTicket(intake, 'A市A3区某路段公交车站牌被撤，市民乘坐公交车很不方便，公交线路调整后没有通知，请交通部门恢复站点。');
  const first = await settled(intake, id);
  const [received] = await database.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, id)).orderBy(ticketEvents.seq).limit(1);
  // Publish the same event again under a new message id, as a redelivery after a crash would.
  const event = {
    id: received!.id,
    type: 'received',
    ticketId: id,
    occurredAt: received!.occurredAt.toISOString(),
    actor: { role: received!.actorRole, id: received!.actorId },
    requestId: received!.requestId,
    data: received!.data,
  };
  await bus.js.publish(bus.names.ticketSubject('received'), JSON.stringify(event));
  await bus.js.publish(bus.names.ticketSubject('received'), JSON.stringify(event));
  await sleep(1_500);
  const again = (await intake.inject({ method: 'GET', url: `/v1/tickets/${id}`, headers: agent })).json();
  t.same(again, first, 'same status, fields and history');
});

t.test('a burst of tickets, classified in batches: each as the model classifies it alone, once', async (t) => {
  const log = recordingLogger('debug');
  const { intake, classifier } = await buildTestClassifier(t, {}, log.logger);
  const texts = [
    '我家小区旁边的垃圾站臭气熏天，污水横流，附近的化工厂晚上偷排废气，空气污染严重，请环保部门查处。',
    '我是一名小学老师，学校今年的绩效工资迟迟没有发放，请教育局核查学校的经费使用情况。',
    'A市A3区某路段公交车站牌被撤，市民乘坐公交车很不方便，请交通部门恢复站点。',
    '我所在的公司已经拖欠员工工资三个月，社保也没有按时缴纳，老板一直推脱，请劳动监察部门帮助我们维权。',
    '婚姻登记处网上预约一直约不上，结婚登记要排好几天的队，希望增加窗口。',
    'asdkjh qwe zzxv 123 !!!',
  ];
  // Recorded all at once, so received events queue up behind each other at the classifier.
  const burst = Array.from({ length: 24 }, (_, i) => `${texts[i % texts.length]}（${i + 1}）`);
  const ids = await Promise.all(burst.map((text) => createTicket(intake, text)));
  for (const [i, id] of ids.entries()) {
    const ticket = await settled(intake, id);
    const alone = classifier.model.classify(burst[i] as string, ticket.title).ranked[0];
    const label = burst[i] as string;
    t.same(
      ticket.history.map((h: { type: string }) => h.type),
      ['received', ticket.status === 'classified' ? 'classified' : 'triaged'],
      `${label}: one step`,
    );
    t.ok(Math.abs(ticket.confidence - (alone?.probability ?? 0)) < 1e-6, `${label}: the confidence it has alone`);
    if (label.startsWith('婚姻') || label.startsWith('asdkjh')) t.equal(ticket.status, 'triage', `${label}: to an agent`);
    else t.match(ticket, { status: 'classified', modelVersion: classifier.model.version }, `${label}: routed`);
  }
  const batches = log.records().filter((r) => r.msg === 'batch handled');
  t.ok(batches.some((b) => (b.messages as number) > 1), `tickets were classified in batches (${batches.map((b) => b.messages).join(', ')})`);
  t.strictSame(log.records().filter((r) => (r.level as number) >= 40).map((r) => r.msg), [], 'no batch failed, nothing else went wrong');
});

t.test('live suggestions and agent corrections', async (t) => {
  const { intake, classifier, database } = await buildTestClassifier(t);
  const live = await classifier.inject({
    method: 'POST',
    url: '/v1/classify',
    headers: agent,
    payload: { text: '小区垃圾站臭气熏天，污水横流，附近的化工厂晚上偷排废气，空气污染严重。' },
  });
  t.equal(live.statusCode, 200);
  const body = live.json();
  t.equal(body.suggestions.length, 3);
  t.equal(body.suggestions[0].category, '环境保护');
  t.equal(body.suggestions[0].department, 'ecology');
  t.ok(body.suggestions[0].probability >= body.suggestions[1].probability);

  const empty = await classifier.inject({ method: 'POST', url: '/v1/classify', headers: agent, payload: { text: '' } });
  t.equal(empty.statusCode, 200, 'an empty draft is fine while typing');
  t.equal(empty.json().automatic, false);
  const funeral = await classifier.inject({ method: 'POST', url: '/v1/classify', headers: agent, payload: { text: '殡仪馆的火化费高得离谱，骨灰盒也要强制购买。' } });
  t.equal(funeral.json().automatic, false, '民政 has no training labels: an agent decides, however confident the model is');

  const id = await createTicket(intake, 'asdkjh qwe zzxv');
  await settled(intake, id);
  const bad = await classifier.inject({ method: 'POST', url: `/v1/tickets/${id}/classification`, headers: agent, payload: { category: '99.99' } });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().error.message, /category/);
  const dept = await classifier.inject({
    method: 'POST',
    url: `/v1/tickets/${id}/classification`,
    headers: { authorization: 'Bearer dev-dept-housing' },
    payload: { category: '城乡建设' },
  });
  t.equal(dept.statusCode, 403);

  const fixed = await classifier.inject({ method: 'POST', url: `/v1/tickets/${id}/classification`, headers: agent, payload: { category: '01.01.01' } });
  t.equal(fixed.statusCode, 200, fixed.body);
  t.match(fixed.json(), { status: 'classified', category: '01.01.01', department: 'housing' });
  const corrections = await database.db.select().from(classificationCorrections);
  t.equal(corrections.length, 1);
  t.match(corrections[0], { ticketId: id, corrected: '城乡建设', categoryCode: '01.01.01', content: 'asdkjh qwe zzxv' });
  const ticket = (await intake.inject({ method: 'GET', url: `/v1/tickets/${id}`, headers: agent })).json();
  t.same(
    ticket.history.map((h: { type: string }) => h.type),
    ['received', 'triaged', 'classified'],
  );
});

t.test('a classifier that has just started gives live suggestions, not 503, through its first back-pressure samples', async (t) => {
  const { classifier } = await buildTestClassifier(t);
  // Back-pressure samples the event loop every second; loading the model blocks it for about one.
  const statuses = new Set<number>();
  const until = Date.now() + 2_500;
  while (Date.now() < until) {
    const res = await classifier.inject({ method: 'POST', url: '/v1/classify', headers: agent, payload: { text: '公交车站牌被撤，乘车不便' } });
    statuses.add(res.statusCode);
    await sleep(20);
  }
  t.same([...statuses], [200]);
});
