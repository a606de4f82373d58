// Small helpers shared by the benchmarks: process stats from /proc, HTTP scrapes, free ports,
// spawning the daemons under test.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name "(...)": state is field 3; utime/stime are 14/15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

/** Resident set size and its high-water mark, in bytes. */
export function memory(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

export async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const port = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface HttpResult {
  status: number;
  body: Buffer;
  /** Decoded body length (after gunzip when the response was gzipped). */
  decodedBytes: number;
  /** Bytes on the wire (compressed when gzipped). */
  wireBytes: number;
  gzipped: boolean;
  ms: number;
}

/** GET a URL on 127.0.0.1; the time is to the last byte of the (still compressed) body. */
export function httpGet(port: number, urlPath: string, gzip: boolean): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: gzip ? { 'Accept-Encoding': 'gzip' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const raw = Buffer.concat(chunks);
        const gzipped = res.headers['content-encoding'] === 'gzip';
        const body = gzipped ? zlib.gunzipSync(raw) : raw;
        resolve({ status: res.statusCode ?? 0, body, decodedBytes: body.length, wireBytes: raw.length, gzipped, ms });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** The value of an unlabelled sample in exposition text, or 0. */
export function sampleValue(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface RunningDaemon {
  name: string;
  proc: ChildProcess;
  pid: number;
  udpPort: number;
  httpPort: number;
  metricsText(): Promise<string>;
  stop(): Promise<void>;
}

export interface DaemonSpec {
  name: string;
  /** Builds the command for the given ports. */
  command(ports: { udp: number; http: number }): { file: string; args: string[] };
}

/** statsd-bridge, as a user runs it (from `root`: another built checkout, for before/after). */
export function bridgeSpec(mappingFile: string, readBuffer: number, root = REPO_ROOT, name = 'statsd-bridge'): DaemonSpec {
  return {
    name,
    command: ({ udp, http: h }) => ({
      file: process.execPath,
      args: [
        ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []),
        path.join(root, 'bin', 'statsd-bridge.js'),
        `--statsd.listen-udp=127.0.0.1:${udp}`,
        '--statsd.listen-tcp=',
        `--web.listen-address=127.0.0.1:${h}`,
        `--statsd.mapping-config=${mappingFile}`,
        `--statsd.read-buffer=${readBuffer}`,
        '--log.format=json',
      ],
    }),
  };
}

/** statsd_exporter at STATSD_EXPORTER_BIN, with the same flags. */
export function exporterSpec(bin: string, mappingFile: string, readBuffer: number): DaemonSpec {
  return {
    name: 'statsd_exporter',
    command: ({ udp, http: h }) => ({
      file: bin,
      args: [
        `--statsd.listen-udp=127.0.0.1:${udp}`,
        '--statsd.listen-tcp=',
        `--web.listen-address=127.0.0.1:${h}`,
        `--statsd.mapping-config=${mappingFile}`,
        `--statsd.read-buffer=${readBuffer}`,
        '--log.level=warn',
      ],
    }),
  };
}

/** Daemons started here and not stopped yet: killed if the bench itself is stopped. */
const running = new Set<ChildProcess>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  const killAll = () => {
    for (const p of running) p.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Starts a daemon on free loopback ports and waits until /metrics answers. */
export async function startDaemon(spec: DaemonSpec): Promise<RunningDaemon> {
  hookExit();
  const udpPort = await freePort('udp');
  const httpPort = await freePort('tcp');
  const { file, args } = spec.command({ udp: udpPort, http: httpPort });
  const proc = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += d.toString();
  });
  let exited = false;
  const exitP = new Promise<void>((r) => proc.on('exit', () => ((exited = true), r())));
  const metricsText = async () => (await httpGet(httpPort, '/metrics', false)).body.toString();
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`${spec.name} exited before serving /metrics:\n${stderr}`);
    try {
      const r = await httpGet(httpPort, '/metrics', false);
      if (r.status === 200) break;
    } catch {
      /* not yet listening */
    }
    if (i > 300) throw new Error(`${spec.name} did not serve /metrics within 30 s:\n${stderr}`);
    await sleep(100);
  }
  return {
    name: spec.name,
    proc,
    pid: proc.pid!,
    udpPort,
    httpPort,
    metricsText,
    stop: async () => {
      if (!exited) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exitP;
      clearTimeout(t);
    },
  };
}
