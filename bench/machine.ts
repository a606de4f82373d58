// What the benchmarks ran on, for the report.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  rmemMax: string;
  /** 1-minute load average when the run started. */
  loadAverage: number;
}

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    /* not Linux */
  }
  let nproc = os.availableParallelism?.() ?? os.cpus().length;
  try {
    nproc = Number(execFileSync('nproc').toString().trim()) || nproc;
  } catch {
    /* keep the os module's count */
  }
  let rmemMax = 'unknown';
  try {
    rmemMax = fs.readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim();
  } catch {
    /* not Linux */
  }
  return {
    nproc,
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 1073741824) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    rmemMax,
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

export function exporterVersion(bin: string): string {
  // kingpin prints the version on stderr.
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const lines = text.split('\n').filter((l) => /version/.test(l));
  return lines.length > 0 ? lines.join('; ').replace(/\s+/g, ' ').trim() : 'unknown';
}

/** CPU ticks (1/100 s) used so far by every process but this one, by pid. */
export function processTicks(): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
      try {
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // Kernel threads (PF_KTHREAD) are left out: softirq work for our own traffic runs there.
        if (Number(rest[6]) & 0x00200000) continue;
        out.set(Number(d), Number(rest[11]) + Number(rest[12]));
      } catch {
        /* gone */
      }
    }
  } catch {
    /* not Linux */
  }
  return out;
}

/** Cores used on average by processes other than `except` between two processTicks() snapshots. */
export function othersCpu(a: Map<number, number>, b: Map<number, number>, seconds: number, except: number[]): number {
  let ticks = 0;
  for (const [pid, t] of b) {
    if (except.includes(pid)) continue;
    const before = a.get(pid);
    ticks += before === undefined ? 0 : t - before;
  }
  return ticks / 100 / seconds;
}

/** Other processes that used more than 10% of a core over `ms` (they skew a load test). */
export async function busyProcesses(ms = 1000): Promise<string[]> {
  const read = (): Map<number, { ticks: number; name: string }> => {
    const out = new Map<number, { ticks: number; name: string }>();
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
      try {
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(rest[6]) & 0x00200000) continue;
        out.set(Number(d), { ticks: Number(rest[11]) + Number(rest[12]), name });
      } catch {
        /* gone */
      }
    }
    return out;
  };
  try {
    const a = read();
    await new Promise((r) => setTimeout(r, ms));
    const b = read();
    const busy: string[] = [];
    for (const [pid, x] of b) {
      const before = a.get(pid);
      if (!before) continue;
      const share = (x.ticks - before.ticks) / (ms / 10);
      if (share > 0.1) busy.push(`${x.name}[${pid}] ${(share * 100).toFixed(0)}%`);
    }
    return busy;
  } catch {
    return [];
  }
}
