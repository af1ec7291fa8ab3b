import { Worker } from 'node:worker_threads';

export interface EventsWorkerData {
  natsUrl: string;
  prefix: string;
  stream: string;
  subject: string;
  /** false for messages without an occurredAt (dispatch messages); default true. */
  requireOccurredAt?: boolean;
  /** One Int32 slot: how many events have arrived, readable while the load runs. */
  counter: SharedArrayBuffer;
}

export interface EventsWorkerResult {
  ticketIds: string[];
  /** Date.now() at arrival: compared with the event's occurredAt, a wall-clock time. */
  arrivalWall: Float64Array<ArrayBuffer>;
  /** process.hrtime in ms at arrival: the same monotonic clock as the 201 timestamps. */
  arrivalMono: Float64Array<ArrayBuffer>;
  /** Date.parse(event.occurredAt). */
  occurredAt: Float64Array<ArrayBuffer>;
  invalid: number;
}

export interface EventRecorder {
  arrived(): number;
  stop(): Promise<EventsWorkerResult>;
}

/** The monotonic clock shared by every thread of the process, in milliseconds. */
export function monoNow(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Starts an ordered consumer on `subject` in a worker thread and resolves once it is
 * subscribed, so no event of the run can be missed.
 */
export async function startEventRecorder(options: Omit<EventsWorkerData, 'counter'>): Promise<EventRecorder> {
  const counter = new SharedArrayBuffer(4);
  const arrived = new Int32Array(counter);
  const data: EventsWorkerData = { ...options, counter };
  // tsx's loader hooks do not reach worker threads on Node 20 (neither inherited nor via
  // execArgv --import), so a tiny bootstrap registers them before importing the worker.
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./bench-events-worker.ts', import.meta.url).href)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: data });
  const failed = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`event recorder exited with code ${code}`)));
  });
  // Keeps a failure after start-up from surfacing as an unhandled rejection; stop() reports it.
  failed.catch(() => {});
  await Promise.race([new Promise<void>((resolve) => worker.once('message', () => resolve())), failed]);
  return {
    arrived: () => Atomics.load(arrived, 0),
    stop: async () => {
      const result = Promise.race([new Promise<EventsWorkerResult>((resolve) => worker.once('message', resolve)), failed]);
      worker.postMessage('stop');
      const r = await result;
      await worker.terminate();
      return r;
    },
  };
}
