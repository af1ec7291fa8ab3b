/**
 * pnpm bench:classify [--messages <file.jsonl>] [--seconds <n>]
 *
 * Classifications per second on one core over real messages (title + body), the model's load
 * time and the process's resident memory once it is loaded. Prints figures; never fails on them.
 */
import { readFileSync } from 'node:fs';
import { loadModel } from '@hotline/classifier';
import { defaultUnlabelledMessages, parseArguments } from './lib/labelled-data';

const args = parseArguments(process.argv.slice(2), { messages: 'string', seconds: 'string' });
const file = typeof args.messages === 'string' ? args.messages : defaultUnlabelledMessages;
const seconds = Number(args.seconds ?? 5);
const messages = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { title?: string; body?: string })
  .map((m) => ({ title: m.title ?? '', body: m.body ?? '' }));
const rssBefore = process.memoryUsage().rss;

const loadStarted = performance.now();
const model = loadModel();
// The first call loads jieba's dictionary; the service pays that once at start, so it counts as load.
model.classify('预热');
const loadMs = performance.now() - loadStarted;
const rssAfterLoad = process.memoryUsage().rss;

let classified = 0;
let characters = 0;
const started = performance.now();
while (performance.now() - started < seconds * 1000) {
  for (const m of messages) {
    model.classify(m.body, m.title);
    characters += m.title.length + m.body.length;
  }
  classified += messages.length;
}
const elapsed = (performance.now() - started) / 1000;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
console.log(`model ${model.version} (trained on ${model.trainedOn}), ${messages.length} messages from ${file}`);
console.log(`mean message length: ${Math.round(characters / classified)} characters`);
console.log(`model load (incl. jieba dictionary): ${loadMs.toFixed(0)} ms`);
console.log(`resident memory after load: ${mb(rssAfterLoad)} (before load ${mb(rssBefore)})`);
console.log(`classifications per second, one core: ${Math.round(classified / elapsed)} (${classified} in ${elapsed.toFixed(1)} s, ${((elapsed / classified) * 1e6).toFixed(0)} µs each)`);
