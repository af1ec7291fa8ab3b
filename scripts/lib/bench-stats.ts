import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
  };
}

/*
 * CPU accounting from /proc (Linux). On a 2-core machine the service, PostgreSQL, NATS and
 * the load generator compete for the same cores, and other people's jobs may too; the
 * split says where the cores went and whether the figures were taken on a quiet machine.
 */

/** Where a process's CPU is counted: a service of ours by name (intake, classifier, …) or a fixed group. */
export type CpuGroup = { service: string } | FixedGroup;
type FixedGroup = 'bench' | 'postgres (bench db)' | 'postgres (other)' | 'nats-server' | 'other';

export interface CpuSnapshot {
  at: number;
  /** Busy and total jiffies of all CPUs, from /proc/stat. */
  busy: number;
  irq: number;
  total: number;
  cores: number;
  /** Per-process jiffies, so a process that started during the window is counted from 0. */
  byPid: Map<number, { group: CpuGroup; comm: string; ticks: number }>;
}

let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface CpuContext {
  /** Our services' processes: name → pid. */
  services: Record<string, number>;
  benchDatabase: string;
  natsPort: number;
}

function classify(pid: number, comm: string, ctx: CpuContext): CpuGroup {
  for (const [service, servicePid] of Object.entries(ctx.services)) if (pid === servicePid) return { service };
  if (pid === process.pid) return 'bench';
  if (comm === 'postgres') {
    // A backend's process title names its database: "postgres: 15/main: postgres <db> 127.0.0.1(…)".
    const title = safeRead(`/proc/${pid}/cmdline`).replaceAll('\0', ' ');
    return title.includes(` ${ctx.benchDatabase} `) ? 'postgres (bench db)' : 'postgres (other)';
  }
  if (comm === 'nats-server') {
    const cmd = safeRead(`/proc/${pid}/cmdline`).split('\0');
    const i = cmd.indexOf('-p');
    const port = i >= 0 ? Number(cmd[i + 1]) : 4222;
    return port === ctx.natsPort ? 'nats-server' : 'other';
  }
  return 'other';
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function cpuSnapshot(ctx: CpuContext, previous?: CpuSnapshot): CpuSnapshot {
  const statLines = safeRead('/proc/stat').split('\n');
  const [cpuLine] = statLines;
  const cores = statLines.filter((l) => /^cpu\d+ /.test(l)).length || 1;
  const fields = (cpuLine ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal; idle and iowait are the idle part.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const byPid = new Map<number, { group: CpuGroup; comm: string; ticks: number }>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    // Not Linux: no per-process figures, the run goes on.
    entries = [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = safeRead(`/proc/${pid}/stat`);
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // Fields after "pid (comm)": state is the 3rd field, utime the 14th, stime the 15th.
    const rest = stat.slice(close + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    // A pid keeps its group across snapshots; reading cmdline again for each would be waste.
    const group = previous?.byPid.get(pid)?.group ?? classify(pid, comm, ctx);
    byPid.set(pid, { group, comm, ticks });
  }
  // irq and softirq: with IRQ time accounting they are charged to no process; on this
  // benchmark they are mostly our own loopback traffic, so they are reported apart.
  const irq = (fields[5] ?? 0) + (fields[6] ?? 0);
  return { at: Date.now(), busy: total - idle, irq, total, cores, byPid };
}

export interface CpuUsage {
  seconds: number;
  /** System-wide busy share of all cores, 0–100 %. */
  systemBusyPercent: number;
  /** Per group, in percent of one core (200 % = both cores of a 2-core machine). */
  byGroup: Record<FixedGroup, number>;
  /** Per service of ours, by name, in percent of one core. */
  byService: Record<string, number>;
  /** The busiest processes outside the benchmark, by name: who else was using the cores. */
  topOthers: { comm: string; percent: number }[];
  /** irq + softirq time, in percent of one core. */
  irq: number;
  /**
   * Busy CPU that neither irq time nor a process alive at the end accounts for: processes
   * that started and exited within the window (test runs, compilers). Counted as "other".
   */
  unaccounted: number;
}

export function cpuUsage(start: CpuSnapshot, end: CpuSnapshot): CpuUsage {
  const seconds = (end.at - start.at) / 1000;
  const hz = ticksPerSecond();
  const services: Record<string, number> = {};
  const groups: Record<FixedGroup, number> = {
    bench: 0,
    'postgres (bench db)': 0,
    'postgres (other)': 0,
    'nats-server': 0,
    other: 0,
  };
  const others = new Map<string, number>();
  for (const [pid, e] of end.byPid) {
    const used = Math.max(0, e.ticks - (start.byPid.get(pid)?.ticks ?? 0));
    if (typeof e.group === 'object') services[e.group.service] = (services[e.group.service] ?? 0) + used;
    else groups[e.group] += used;
    if (e.group === 'other' && used > 0) others.set(e.comm, (others.get(e.comm) ?? 0) + used);
  }
  const percentOfCore = (ticks: number) => (seconds > 0 ? (100 * ticks) / hz / seconds : 0);
  for (const g of Object.keys(groups) as FixedGroup[]) groups[g] = percentOfCore(groups[g]);
  for (const name of Object.keys(services)) services[name] = percentOfCore(services[name] as number);
  const topOthers = [...others]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([comm, ticks]) => ({ comm, percent: percentOfCore(ticks) }));
  const total = end.total - start.total;
  const systemBusyPercent = total > 0 ? (100 * (end.busy - start.busy)) / total : 0;
  const accounted = [...Object.values(groups), ...Object.values(services)].reduce((a, b) => a + b, 0);
  const irq = total > 0 ? (100 * end.cores * (end.irq - start.irq)) / total : 0;
  const unaccounted = Math.max(0, systemBusyPercent * end.cores - accounted - irq);
  return { seconds, systemBusyPercent, byGroup: groups, byService: services, topOthers, irq, unaccounted };
}

/** PostgreSQL's share, in percent of one core: the benchmark database's backends and the server's own processes. */
export function postgresPercent(cpu: CpuUsage): number {
  return cpu.byGroup['postgres (bench db)'] + cpu.byGroup['postgres (other)'];
}
