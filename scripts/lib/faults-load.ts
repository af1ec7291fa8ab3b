/**
 * The fault suite's load: real appeals replayed through POST /v1/tickets at an even rate,
 * each with its own Idempotency-Key, retried with the same key as a real client would when
 * the request fails in transport or gets a 5xx/429 answer. A ticket counts as accepted
 * when a 2xx comes back; it is booked to the fault phase running at that moment.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTicketBodies, type MessageRow } from './bench-data';

/** `{title, content}` per line, as committed in scripts/test/fixtures/replay-messages.jsonl. */
export function readReplayFixture(file: string): string[] {
  const rows: MessageRow[] = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      const row = JSON.parse(line) as { title?: unknown; content?: unknown };
      if (typeof row.content !== 'string' || !row.content.trim()) throw new Error(`${file}:${i + 1}: no content`);
      return { id: i + 1, title: typeof row.title === 'string' ? row.title : '', body: row.content };
    });
  if (rows.length === 0) throw new Error(`${file}: no messages`);
  return buildTicketBodies(rows);
}

function ticketId(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

export interface AcceptedTicket {
  id: string;
  key: string;
  phase: string;
  attempts: number;
  /** The 2xx said Idempotent-Replayed: an earlier attempt had created it. */
  replayed: boolean;
}

export interface PhaseLoad {
  sent: number;
  /** Attempts that failed in transport (refused, reset, timed out). */
  transportErrors: number;
  /** Attempts answered 5xx or 429, retried. */
  retriedAnswers: number;
}

export interface LoadOptions {
  url: string;
  authorization: string;
  bodies: string[];
  rate: number;
  /** The phase a ticket is booked to. */
  phase: () => string;
  requestTimeoutMs?: number;
}

/** Every appeal ends in `accepted`, `rejected` (a refusal retrying cannot change) or `unanswered`. */
export class ReplayLoad {
  readonly accepted: AcceptedTicket[] = [];
  /** 4xx answers other than 429: not retried. */
  readonly rejected: { key: string; status: number; body: string }[] = [];
  /** Keys still failing when the suite stopped waiting. */
  readonly unanswered: string[] = [];
  readonly perPhase = new Map<string, PhaseLoad>();
  private running = false;
  private giveUp = false;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private next = 0;

  constructor(private readonly options: LoadOptions) {}

  private phaseLoad(): PhaseLoad {
    const name = this.options.phase();
    let p = this.perPhase.get(name);
    if (!p) {
      p = { sent: 0, transportErrors: 0, retriedAnswers: 0 };
      this.perPhase.set(name, p);
    }
    return p;
  }

  get pending(): number {
    return this.inFlight.size;
  }

  start(): void {
    this.running = true;
    this.loop = this.pace();
  }

  /** Evenly spaced starts, each request on its own: a slow answer does not slow the rate. */
  private async pace(): Promise<void> {
    const interval = 1000 / this.options.rate;
    const t0 = performance.now();
    for (let i = 0; this.running; i++) {
      const wait = t0 + i * interval - performance.now();
      if (wait > 0) await sleep(wait);
      if (!this.running) break;
      const p = this.send(this.options.bodies[this.next++ % this.options.bodies.length] as string).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  private async send(body: string): Promise<void> {
    const key = randomUUID();
    this.phaseLoad().sent += 1;
    let backoff = 250;
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let text = '';
      let replayed = false;
      try {
        const res = await fetch(`${this.options.url}/v1/tickets`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: this.options.authorization, 'idempotency-key': key },
          body,
          signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
        });
        status = res.status;
        text = await res.text();
        replayed = res.headers.get('idempotent-replayed') === 'true';
      } catch {
        this.phaseLoad().transportErrors += 1;
      }
      if (status >= 200 && status < 300) {
        const id = ticketId(text);
        if (!id) {
          this.rejected.push({ key, status, body: `2xx without a ticket id: ${text.slice(0, 200)}` });
          return;
        }
        this.accepted.push({ id, key, phase: this.options.phase(), attempts: attempt, replayed });
        return;
      }
      if (status >= 400 && status < 500 && status !== 429) {
        this.rejected.push({ key, status, body: text.slice(0, 300) });
        return;
      }
      if (status !== 0) this.phaseLoad().retriedAnswers += 1;
      if (this.giveUp) {
        this.unanswered.push(key);
        return;
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 2000);
    }
  }

  /** Stops sending new appeals; requests under way keep retrying until `finish`. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Waits for the requests under way, at most `timeoutMs`; those still failing then go to `unanswered`. */
  async finish(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < until) await sleep(100);
    this.giveUp = true;
    await Promise.all(this.inFlight);
  }
}
