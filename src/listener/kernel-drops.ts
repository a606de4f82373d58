// Datagrams the kernel dropped for our UDP sockets (receive buffer full), as a self-metric: the
// bridge never sees them, so without this the loss is silent. Linux keeps a drop count per
// socket in /proc/net/udp and /proc/net/udp6 (the last column, `drops`), one row per socket,
// keyed by inode. Our sockets are the rows on our local port whose inode is one of this
// process's file descriptors (/proc/self/fd/N -> `socket:[inode]`), so another process sharing
// the port (SO_REUSEPORT) is never counted. Read at scrape time only; elsewhere (no /proc) the
// metric stays 0.
//
// Kept apart from udp.ts so another source (SO_RXQ_OVFL from a batch receiver) can feed the same
// metric: registerUdpKernelDrops takes any number of readers.
import fs from 'node:fs';
import path from 'node:path';
import { Counter, type Registry } from 'prom-client';

export const UDP_KERNEL_DROPS_METRIC = 'statsd_bridge_udp_kernel_drops_total';

export interface ProcUdpRow {
  localPort: number;
  inode: number;
  drops: number;
}

/** Parses /proc/net/udp or /proc/net/udp6 (header line first; bad rows skipped). */
export function parseProcNetUdp(text: string): ProcUdpRow[] {
  const rows: ProcUdpRow[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    const f = lines[i].trim().split(/\s+/);
    if (f.length < 13) continue;
    const colon = f[1].lastIndexOf(':');
    const localPort = parseInt(f[1].slice(colon + 1), 16);
    const inode = Number(f[9]);
    const drops = Number(f[12]);
    if (colon === -1 || !Number.isFinite(localPort) || !Number.isFinite(inode) || !Number.isFinite(drops)) continue;
    rows.push({ localPort, inode, drops });
  }
  return rows;
}

/** The socket inodes among a process's open file descriptors. */
export function socketInodes(fdDir: string): Set<number> {
  const inodes = new Set<number>();
  for (const name of fs.readdirSync(fdDir)) {
    let target: string;
    try {
      target = fs.readlinkSync(path.join(fdDir, name));
    } catch {
      continue; // closed meanwhile
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(Number(m[1]));
  }
  return inodes;
}

export interface ProcUdpDropsOptions {
  /** The local port our socket(s) are bound to. */
  port: number;
  /** Default /proc (tests point it elsewhere). */
  procRoot?: string;
}

/**
 * A reader of the kernel's drop count for this process's UDP sockets on `port` (udp and udp6
 * tables), or null when /proc does not have it (not Linux, or the socket is gone).
 */
export function procUdpDrops(opts: ProcUdpDropsOptions): () => number | null {
  const root = opts.procRoot ?? '/proc';
  const tables = [path.join(root, 'net', 'udp'), path.join(root, 'net', 'udp6')];
  let ours: Set<number> | null = null; // our inodes on the port, found once
  const readRows = (): ProcUdpRow[] => {
    const rows: ProcUdpRow[] = [];
    for (const t of tables) {
      let text: string;
      try {
        text = fs.readFileSync(t, 'latin1');
      } catch {
        continue; // no IPv6, or no /proc
      }
      for (const r of parseProcNetUdp(text)) if (r.localPort === opts.port) rows.push(r);
    }
    return rows;
  };
  return () => {
    const rows = readRows();
    if (rows.length === 0) return null;
    let matched = ours ? rows.filter((r) => ours!.has(r.inode)) : [];
    if (matched.length === 0) {
      // First read, or our socket was replaced: look up our inodes again.
      let mine: Set<number>;
      try {
        mine = socketInodes(path.join(root, 'self', 'fd'));
      } catch {
        return null;
      }
      matched = rows.filter((r) => mine.has(r.inode));
      if (matched.length === 0) return null;
      ours = new Set(matched.map((r) => r.inode));
    }
    let drops = 0;
    for (const r of matched) drops += r.drops;
    return drops;
  };
}

/**
 * Registers statsd_bridge_udp_kernel_drops_total on `registry`, the sum of the readers at each
 * scrape (a reader returning null adds nothing). The kernel's count only grows while the socket
 * lives, so the sum is a counter.
 */
export function registerUdpKernelDrops(registry: Registry, readers: ReadonlyArray<() => number | null>): Counter<string> {
  return new Counter({
    name: UDP_KERNEL_DROPS_METRIC,
    help: 'UDP datagrams the kernel dropped for the StatsD UDP socket(s) because the receive buffer was full (Linux /proc/net/udp drops; raise --statsd.read-buffer).',
    registers: [registry],
    collect() {
      let total = 0;
      for (const read of readers) total += read() ?? 0;
      this.reset();
      this.inc(total);
    },
  });
}
