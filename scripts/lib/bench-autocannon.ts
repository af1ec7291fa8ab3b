import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

// autocannon ships no type declarations and @types/autocannon is not a dependency of the
// workspace, so the slice of its programmatic API the benchmark uses is typed here and the
// CommonJS module is loaded through require (an `import` would be an implicit any).

export interface CannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Called before each request is written; returns the request to send. */
  setupRequest?: (request: CannonRequest, context: Record<string, unknown>) => CannonRequest;
  /** Called when a response is complete, with its body as a string. */
  onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void;
}

export interface CannonOptions {
  url: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Seconds before a request counts as a timeout. */
  timeout?: number;
  /** Requests per second across all connections; unset: as fast as the service answers. */
  overallRate?: number;
  method?: string;
  headers?: Record<string, string>;
  requests: CannonRequest[];
}

/** Percentiles are in the unit of the histogram: milliseconds for latency. */
export interface CannonHistogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
  p99_9: number;
}

export interface CannonResult {
  /** Seconds, measured by autocannon from the first connection to the stop. */
  duration: number;
  start: Date;
  finish: Date;
  latency: CannonHistogram;
  /** Requests per one-second sample. */
  requests: CannonHistogram & { sent: number };
  throughput: CannonHistogram;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  resets: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}

export interface CannonInstance extends EventEmitter {
  stop(): void;
}

type Autocannon = (options: CannonOptions, done: (err: Error | null, result: CannonResult) => void) => CannonInstance;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

export interface CannonRun {
  /** Stops the run early (Ctrl-C); `result` still resolves with what was measured. */
  stop(): void;
  result: Promise<CannonResult>;
}

export function runCannon(options: CannonOptions): CannonRun {
  let instance: CannonInstance | null = null;
  const result = new Promise<CannonResult>((resolve, reject) => {
    instance = autocannon(options, (err, res) => (err ? reject(err) : resolve(res)));
  });
  return { stop: () => instance?.stop(), result };
}
