/**
 * The processes of the fault suite: a registry that kills whatever is still running when
 * the suite exits (also after an error), the services with their logs in files (killed
 * and restarted on purpose), and a 3-node NATS cluster from `infra/nats/node-*.conf`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findExecutable, probePort, repoRoot, StackError, stopProcess, waitForHealthy, type Log, type ServiceSpec } from './stack';

// ---------------------------------------------------------------------------------------
// Every process the suite starts

const owned = new Set<ChildProcess>();

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Remembers a child (started `detached`, so its pid is its process group) until it exits.
 * If the suite exits with it still running, the whole group is killed: PostgreSQL's
 * backends go with the postmaster.
 */
export function own(child: ChildProcess): ChildProcess {
  owned.add(child);
  child.once('exit', () => owned.delete(child));
  return child;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || !alive(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Last resort: 'exit' handlers run synchronously, so no graceful stop is possible here. */
process.on('exit', () => {
  for (const child of owned) killGroup(child, 'SIGKILL');
});

export function ownedCount(): number {
  return [...owned].filter(alive).length;
}

function openLog(file: string): number {
  return openSync(file, 'a');
}

// ---------------------------------------------------------------------------------------
// Services

interface ServiceState {
  spec: ServiceSpec;
  child: ChildProcess | null;
  /** Exits nobody asked for (a crash, e.g. no PostgreSQL at start); each is restarted. */
  crashes: number;
  kills: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Runs each `services/<name>/src/server.ts` as `node --import tsx`, output appended to
 * `<logDir>/<name>.log`. A service that dies by itself comes back after a second; one
 * killed on purpose comes back at once.
 */
export class FaultServices {
  private readonly states: ServiceState[];
  private stopping = false;

  constructor(
    specs: ServiceSpec[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    private readonly log: Log,
  ) {
    mkdirSync(logDir, { recursive: true });
    this.states = specs.map((spec) => ({ spec, child: null, crashes: 0, kills: 0, timer: null }));
  }

  get specs(): ServiceSpec[] {
    return this.states.map((s) => s.spec);
  }

  logFile(name: string): string {
    return join(this.logDir, `${name}.log`);
  }

  start(): void {
    for (const s of this.states) this.spawn(s);
  }

  private state(name: string): ServiceState {
    const s = this.states.find((x) => x.spec.name === name);
    if (!s) throw new Error(`no service ${name}`);
    return s;
  }

  private spawn(s: ServiceState): void {
    s.timer = null;
    if (this.stopping) return;
    const fd = openLog(this.logFile(s.spec.name));
    const child = own(
      spawn(process.execPath, ['--import', 'tsx', s.spec.entry], {
        cwd: repoRoot,
        env: { ...this.env, PORT: String(s.spec.port) },
        stdio: ['ignore', fd, fd],
        detached: true,
      }),
    );
    closeSync(fd);
    s.child = child;
    child.once('exit', (code, signal) => {
      if (s.child !== child) return;
      s.child = null;
      if (this.stopping) return;
      s.crashes += 1;
      this.log(`${s.spec.name} exited by itself (${signal ?? `code ${code}`}); restarting it in 1 s`);
      s.timer = setTimeout(() => this.spawn(s), 1000);
    });
  }

  /** SIGKILL, then start it again at once; resolves when the new process answers /healthz. */
  async killAndRestart(name: string, signal?: AbortSignal, healthyWithinMs = 60_000): Promise<{ downMs: number }> {
    const s = this.state(name);
    const started = Date.now();
    s.kills += 1;
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    const child = s.child;
    // Forgotten first, so its exit is not taken for a crash.
    s.child = null;
    if (child && alive(child)) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    this.spawn(s);
    const healthy = await waitForHealthy(s.spec.port, { timeoutMs: healthyWithinMs, signal });
    signal?.throwIfAborted();
    if (!healthy) {
      throw new StackError(`${name} did not answer /healthz within ${healthyWithinMs / 1000} s after its restart; see ${this.logFile(name)}`);
    }
    return { downMs: Date.now() - started };
  }

  async waitAllHealthy(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const results = await Promise.all(this.states.map(async (s) => ({ s, ok: await waitForHealthy(s.spec.port, { timeoutMs, signal }) })));
    signal?.throwIfAborted();
    const bad = results.filter((r) => !r.ok).map((r) => r.s.spec.name);
    if (bad.length > 0) throw new StackError(`not answering /healthz after ${timeoutMs / 1000} s: ${bad.join(', ')} (logs in ${this.logDir})`);
  }

  crashes(name: string): number {
    return this.state(name).crashes;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const s of this.states) if (s.timer) clearTimeout(s.timer);
    await Promise.all(this.states.map((s) => (s.child ? stopProcess(s.child, 'SIGTERM', 12_000) : undefined)));
  }
}

// ---------------------------------------------------------------------------------------
// NATS cluster

export interface NatsNode {
  /** server_name in its config, e.g. hotline-1 */
  name: string;
  config: string;
  port: number;
  httpPort: number;
  clusterPort: number;
  storeDir: string;
  child: ChildProcess | null;
}

function configValue(text: string, pattern: RegExp, file: string): string {
  const m = pattern.exec(text);
  if (!m?.[1]) throw new StackError(`${file}: cannot find ${pattern.source}`);
  return m[1];
}

/** What one node's monitoring endpoint says of a stream (its own replica). */
export interface ReplicaState {
  stream: string;
  messages: number;
  lastSeq: number;
  leader: string | null;
}

interface JszAnswer {
  meta_cluster?: { leader?: string; cluster_size?: number };
  account_details?: { stream_detail?: { name: string; cluster?: { leader?: string }; state: { messages: number; last_seq: number } }[] }[];
}

/**
 * Three `nats-server -c infra/nats/node-N.conf`, started from the repository root so the
 * configs' relative store dirs land under `.data/nats-cluster/`, wiped at start.
 */
export class NatsCluster {
  readonly nodes: NatsNode[];

  constructor(
    private readonly logDir: string,
    private readonly log: Log,
    configs = [1, 2, 3].map((n) => join(repoRoot, 'infra', 'nats', `node-${n}.conf`)),
  ) {
    this.nodes = configs.map((config) => {
      const text = readFileSync(config, 'utf8');
      const cluster = configValue(text, /cluster\s*\{[^}]*?listen:\s*[\d.]+:(\d+)/s, config);
      return {
        name: configValue(text, /^server_name:\s*(\S+)/m, config),
        config,
        port: Number(configValue(text, /^listen:\s*127\.0\.0\.1:(\d+)/m, config)),
        httpPort: Number(configValue(text, /^http:\s*127\.0\.0\.1:(\d+)/m, config)),
        clusterPort: Number(cluster),
        storeDir: resolve(repoRoot, configValue(text, /store_dir:\s*"([^"]+)"/, config)),
        child: null,
      };
    });
  }

  /** The client URL list: every node, so a client moves to another when its node goes. */
  get url(): string {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(',');
  }

  node(name: string): NatsNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no NATS node ${name}`);
    return n;
  }

  async start(): Promise<void> {
    if (!findExecutable('nats-server')) throw new StackError('nats-server not found: install it with "apt-get install nats-server"');
    for (const n of this.nodes) {
      for (const port of [n.port, n.httpPort, n.clusterPort]) {
        if (await probePort(port)) throw new StackError(`port ${port} of NATS node ${n.name} is taken: is another fault suite or cluster running?`);
      }
      rmSync(n.storeDir, { recursive: true, force: true });
      mkdirSync(n.storeDir, { recursive: true });
    }
    for (const n of this.nodes) this.spawnNode(n);
    await this.waitReady(this.nodes, 30_000);
  }

  private spawnNode(n: NatsNode): void {
    const bin = findExecutable('nats-server') ?? 'nats-server';
    const logFile = join(this.logDir, `nats-${n.name}.log`);
    const child = own(spawn(bin, ['-c', n.config, '-l', logFile], { cwd: repoRoot, detached: true, stdio: 'ignore' }));
    n.child = child;
    child.once('exit', () => {
      if (n.child === child) n.child = null;
    });
  }

  /** Until each node serves clients and knows the JetStream meta leader. */
  async waitReady(nodes: NatsNode[], timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (const n of nodes) {
      for (;;) {
        if (!n.child) throw new StackError(`NATS node ${n.name} exited; see ${join(this.logDir, `nats-${n.name}.log`)}`);
        const jsz = (await probePort(n.port)) ? await this.jsz(n, false) : null;
        if (jsz?.meta_cluster?.leader) break;
        if (Date.now() > until) throw new StackError(`NATS node ${n.name} not ready in ${timeoutMs / 1000} s`);
        await sleep(250);
      }
    }
  }

  private async jsz(n: NatsNode, streams: boolean): Promise<JszAnswer | null> {
    try {
      const res = await fetch(`http://127.0.0.1:${n.httpPort}/jsz${streams ? '?accounts=true&streams=true' : ''}`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) return null;
      return (await res.json()) as JszAnswer;
    } catch {
      return null;
    }
  }

  /** Each stream as this node's replica holds it; null when the node does not answer. */
  async replicas(n: NatsNode): Promise<ReplicaState[] | null> {
    const jsz = await this.jsz(n, true);
    if (!jsz) return null;
    return (jsz.account_details ?? [])
      .flatMap((a) =>
        (a.stream_detail ?? []).map((s) => ({ stream: s.name, messages: s.state.messages, lastSeq: s.state.last_seq, leader: s.cluster?.leader ?? null })),
      )
      .sort((x, y) => x.stream.localeCompare(y.stream));
  }

  /** SIGKILL (a crash) or SIGTERM (an orderly stop); resolves when the process is gone. */
  async stopNode(n: NatsNode, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const child = n.child;
    if (!child) return;
    await stopProcess(child, signal, 15_000);
    n.child = null;
  }

  async startNode(n: NatsNode, timeoutMs = 30_000): Promise<void> {
    if (n.child) return;
    if (await probePort(n.port)) throw new StackError(`port ${n.port} of NATS node ${n.name} is taken by another process`);
    this.spawnNode(n);
    await this.waitReady([n], timeoutMs);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.stopNode(n, 'SIGTERM')));
    this.log('NATS cluster stopped');
  }
}
