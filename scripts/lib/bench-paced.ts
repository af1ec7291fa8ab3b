import http from 'node:http';
import { monoNow } from './bench-events';

export interface PacedOptions {
  url: string;
  path: string;
  headers: Record<string, string>;
  /** The next request body, called once per request. */
  body: () => string;
  rate: number;
  seconds: number;
  /** Sockets kept open; a request waits for a free one when all are busy. */
  connections: number;
  /** Called for each response, with the time its request was due (monoNow). */
  onResponse?: (status: number, body: string, dueAt: number) => void;
}

export interface PacedResult {
  sent: number;
  /** Milliseconds from when each request was due to its complete response. */
  latencies: number[];
  /**
   * Milliseconds from when each request was handed to the HTTP client to its complete response:
   * the latencies without the generator's own lateness (its timers fire up to a few ms late on
   * this VM). A request waiting for a free socket is already handed over, so a slow service
   * still shows here in full.
   */
  sentLatencies: number[];
  /** Milliseconds each request went out after it was due: the generator's own lateness. */
  lateness: number[];
  statuses: Map<number, number>;
  errors: number;
  durationSeconds: number;
}

/**
 * An open-loop load at an even rate: requests are due every 1/rate seconds whatever the
 * service does, and latency counts from when a request was due, so a slow service cannot
 * hide its queue by slowing the sender down (coordinated omission). autocannon's
 * overallRate sends each second's requests in one burst, which measures the burst instead.
 */
export async function runPaced(options: PacedOptions): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(options.path, options.url);
  const latencies: number[] = [];
  const sentLatencies: number[] = [];
  const lateness: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const start = monoNow();
  const total = Math.round(options.rate * options.seconds);

  const send = (dueAt: number) => {
    const payload = options.body();
    const sentAt = monoNow();
    lateness.push(sentAt - dueAt);
    const p = new Promise<void>((resolve) => {
      const req = http.request(
        target,
        { method: 'POST', agent, headers: { ...options.headers, 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const at = monoNow();
            latencies.push(at - dueAt);
            sentLatencies.push(at - sentAt);
            const status = res.statusCode ?? 0;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            options.onResponse?.(status, Buffer.concat(chunks).toString('utf8'), dueAt);
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(payload);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  while (sent < total) {
    const now = monoNow();
    // Every request due by now goes out, each stamped with its own due time.
    while (sent < total && start + (sent * 1000) / options.rate <= now) {
      send(start + (sent * 1000) / options.rate);
      sent++;
    }
    // Asleep until the next request is due: a timer of a few ms instead of one per ms.
    const nextDue = start + (sent * 1000) / options.rate;
    await new Promise((r) => setTimeout(r, Math.max(0, nextDue - monoNow())));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { sent, latencies, sentLatencies, lateness, statuses, errors, durationSeconds: (monoNow() - start) / 1000 };
}
