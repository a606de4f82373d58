// `npm run soak`: runs the built daemon for a long time (10 minutes by default) at half of a
// given or measured maximum rate, with series that expire (a short mapping ttl and ever-new
// label values and metric names), and reports resident memory over time: one line per
// interval, then a verdict on whether memory levelled off. Exit status 1 when it kept growing,
// when lines were lost, or when the daemon died.
//
//   SOAK_DURATION   total soak time, a Go-style duration or seconds (default 10m)
//   SOAK_RATE       lines per second to send; default: half of the rate measured first
//   SOAK_INTERVAL   reporting interval (default: 30s, or duration/15 when shorter)
//   SOAK_TTL        mapping ttl of the expiring series (default 3s)
//   SOAK_ARGS       extra daemon flags, space-separated
//   SOAK_DEBUG=1    also print every non-zero drop, conflict and error counter each interval
//
// Traffic (TCP, 4 connections, paced every 50 ms): 40% counters with an ever-new `id` label,
// 30% timers (histograms) with an ever-new `id`, 10% gauges with an ever-new metric name,
// 20% steady series. Everything new expires after SOAK_TTL, so the number of live series
// settles near rate x 0.8 x ttl and memory should settle with it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'statsd-bridge.js');

function seconds(text: string | undefined, fallback: number): number {
  if (!text) return fallback;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`bad duration ${JSON.stringify(text)} (want e.g. 90s, 10m or 600)`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : m[2] === 'h' ? n * 3600 : n;
}

const log = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Daemon {
  proc: ChildProcess;
  tcpPort: number;
  httpPort: number;
}

async function startDaemon(mappingFile: string, extra: string[]): Promise<Daemon> {
  const args = [BIN, '--statsd.listen-udp=', '--statsd.listen-tcp=127.0.0.1:0', '--web.listen-address=127.0.0.1:0', '--log.format=json', `--statsd.mapping-config=${mappingFile}`, ...extra];
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /"msg":"Listening".*"tcp":"127\.0\.0\.1:(\d+)".*"http":"127\.0\.0\.1:(\d+)"/.exec(stderr);
      if (m) {
        proc.stderr!.removeAllListeners('data');
        proc.stderr!.resume();
        resolve({ proc, tcpPort: Number(m[1]), httpPort: Number(m[2]) });
      }
    });
    proc.on('exit', (code) => reject(new Error(`daemon exited (${code}) before listening:\n${stderr}`)));
  });
}

function scrape(port: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          const out = new Map<string, number>();
          // Own metrics only (the bridged series can be many): name{labels} value.
          for (const line of body.split('\n')) {
            if (!line.startsWith('statsd_') && !line.startsWith('process_') && !line.startsWith('nodejs_heap_size_used')) continue;
            const sp = line.lastIndexOf(' ');
            out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
          }
          resolve(out);
        });
      })
      .on('error', reject);
  });
}

function vmRss(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Line generator: ever-new ids and names, shared by the measurement and the soak. */
class Traffic {
  private n = 0;
  lines(count: number): string {
    let s = '';
    for (let i = 0; i < count; i++) {
      const n = this.n++;
      const r = n % 10;
      const shard = n % 16;
      if (r < 4) s += `soak.s${shard}.requests:1|c|#id:${n}\n`;
      else if (r < 7) s += `soak.s${shard}.latency:${n % 997}|ms|#id:${n}\n`;
      else if (r < 8) s += `soak.gauge.g${n}:${n % 100}|g\n`;
      else s += `soak.steady.s${shard}.requests:1|c|#id:steady${n % 50}\n`;
    }
    return s;
  }
}

class Connections {
  private readonly socks: net.Socket[] = [];
  private next = 0;
  sent = 0;

  static async open(port: number, n: number): Promise<Connections> {
    const c = new Connections();
    for (let i = 0; i < n; i++) {
      c.socks.push(
        await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1', () => resolve(s));
          s.on('error', reject);
        }),
      );
    }
    return c;
  }

  /** Writes on the next connection; resolves once the socket can take more. */
  async write(text: string, lines: number): Promise<void> {
    const s = this.socks[this.next++ % this.socks.length];
    this.sent += lines;
    if (!s.write(text)) await new Promise<void>((r) => s.once('drain', () => r()));
  }

  async close(): Promise<void> {
    await Promise.all(this.socks.map((s) => new Promise<void>((r) => (s.once('close', () => r()), s.end()))));
  }
}

async function waitForLines(port: number, lines: number, timeoutS: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < timeoutS * 10; i++) {
    last = (await scrape(port)).get('statsd_exporter_lines_total') ?? 0;
    if (last >= lines) return last;
    await sleep(100);
  }
  return last;
}

/** Sends as fast as the daemon takes it for `durationS` and returns the lines/s it processed. */
async function measureMaxRate(d: Daemon, durationS: number): Promise<number> {
  const conns = await Connections.open(d.tcpPort, 4);
  const traffic = new Traffic();
  const start = (await scrape(d.httpPort)).get('statsd_exporter_lines_total') ?? 0;
  const t0 = performance.now();
  const until = t0 + durationS * 1000;
  // The soak's own traffic (ever-new series), so the maximum is that of this workload, sender
  // included: lines naming the same few series would be several times cheaper.
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      while (performance.now() < until) await conns.write(traffic.lines(10_000), 10_000);
    }),
  );
  const end = await waitForLines(d.httpPort, start + conns.sent, 60);
  const elapsed = (performance.now() - t0) / 1000;
  await conns.close();
  return (end - start) / elapsed;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const durationS = seconds(process.env.SOAK_DURATION ?? process.argv[2], 600);
  const ttlS = seconds(process.env.SOAK_TTL, 3);
  const intervalS = seconds(process.env.SOAK_INTERVAL, Math.min(30, Math.max(5, Math.round(durationS / 15))));
  const extra = (process.env.SOAK_ARGS ?? '').split(/\s+/).filter(Boolean);
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('build first: npm run build');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'statsd-bridge-soak-'));
  const mappingFile = path.join(dir, 'soak.yml');
  fs.writeFileSync(
    mappingFile,
    // One metric per shard, so no single metric comes near --statsd.max-series-per-metric.
    `defaults:\n  ttl: ${ttlS}s\nmappings:\n- match: "soak.*.requests"\n  name: "soak_\${1}_requests_total"\n` +
      `- match: "soak.*.latency"\n  observer_type: histogram\n  name: "soak_\${1}_latency_seconds"\n` +
      `- match: "soak.steady.*.requests"\n  name: "soak_steady_requests_total"\n  ttl: 1h\n  labels:\n    shard: "$1"\n`,
  );

  let rate = Number(process.env.SOAK_RATE ?? 0);
  if (!(rate > 0)) {
    const probe = await startDaemon(mappingFile, extra);
    try {
      const max = await measureMaxRate(probe, 5);
      rate = Math.round(max / 2);
      log(`measured maximum: ${Math.round(max)} lines/s over TCP; soaking at half: ${rate} lines/s`);
    } finally {
      probe.proc.kill('SIGTERM');
      await new Promise((r) => probe.proc.once('exit', r));
    }
  } else log(`soaking at ${rate} lines/s (SOAK_RATE)`);
  log(`duration ${durationS}s, ttl ${ttlS}s, report every ${intervalS}s, expected live series ~${Math.round(rate * 0.8 * ttlS)}`);

  const d = await startDaemon(mappingFile, extra);
  let died: number | null = null;
  d.proc.on('exit', (code) => (died = code ?? -1));
  const conns = await Connections.open(d.tcpPort, 4);
  const traffic = new Traffic();
  const tickMs = 50;
  const t0 = performance.now();
  const samples: Array<{ t: number; rss: number; heap: number; series: number }> = [];
  let sending = true;
  let lag = 0;

  const sender = (async () => {
    let due = 0;
    while (sending && died === null) {
      const elapsed = (performance.now() - t0) / 1000;
      const target = Math.floor(rate * elapsed);
      const n = Math.min(target - due, rate); // at most a second's worth at once
      if (n > 0) {
        await conns.write(traffic.lines(n), n);
        due += n;
      }
      lag = target - due;
      await sleep(tickMs);
    }
  })();

  log('   time        rss  (/proc)       heap    series   lines/s   refused');
  let lastLines = 0;
  let lastT = 0;
  for (let k = 1; k * intervalS <= durationS && died === null; k++) {
    const wakeAt = t0 + k * intervalS * 1000;
    await sleep(Math.max(0, wakeAt - performance.now()));
    if (died !== null) break;
    const m = await scrape(d.httpPort);
    const t = (performance.now() - t0) / 1000;
    const lines = m.get('statsd_exporter_lines_total') ?? 0;
    const rss = m.get('process_resident_memory_bytes') ?? 0;
    const heap = m.get('nodejs_heap_size_used_bytes') ?? 0;
    const series = m.get('statsd_bridge_series') ?? 0;
    const refused = (m.get('statsd_bridge_series_dropped_total{reason="max_series"}') ?? 0) + (m.get('statsd_bridge_series_dropped_total{reason="max_series_per_metric"}') ?? 0);
    if (process.env.SOAK_DEBUG) log([...m].filter(([k]) => /dropped|conflict|error/.test(k) && m.get(k)! > 0).map(([k, v]) => `${k}=${v}`).join(' '));
    samples.push({ t, rss, heap, series });
    log(
      `${t.toFixed(0).padStart(6)}s ${mb(rss).padStart(10)} ${mb(vmRss(d.proc.pid!)).padStart(10)} ${mb(heap).padStart(10)} ${String(series).padStart(9)} ${String(Math.round((lines - lastLines) / (t - lastT))).padStart(9)} ${String(refused).padStart(9)}` +
        (lag > rate ? `  (sender behind by ${lag} lines)` : ''),
    );
    lastLines = lines;
    lastT = t;
  }
  sending = false;
  await sender;
  const sent = conns.sent;
  await conns.close();
  const counted = died === null ? await waitForLines(d.httpPort, sent, 60) : 0;

  // Verdict over the samples after the warm-up (series need a few ttls to reach their level).
  const warm = samples.filter((s) => s.t >= Math.max(ttlS * 4, durationS * 0.2));
  const half = Math.floor(warm.length / 2);
  const first = warm.slice(0, half);
  const second = warm.slice(half);
  const peak = (xs: typeof samples) => Math.max(0, ...xs.map((s) => s.rss));
  const median = (xs: typeof samples) => {
    const v = xs.map((s) => s.rss).sort((a, b) => a - b);
    return v.length === 0 ? 0 : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const growthPerMin = slope(warm.map((s) => [s.t / 60, s.rss])) / 1e6;
  // RSS swings by tens of MB between samples (GC, the scrape of every series itself), so the
  // verdict compares the typical level of the two halves: levelled when the second half's median
  // is within 5% (+15 MB) of the first half's.
  const levelled = warm.length >= 4 && median(second) <= median(first) * 1.05 + 15e6;
  log('');
  log(`sent ${sent} lines, daemon counted ${counted}${died !== null ? ` — DAEMON DIED (exit ${died})` : ''}`);
  if (warm.length >= 4) {
    log(`after warm-up: median RSS ${mb(median(first))} in the first half, ${mb(median(second))} in the second (peaks ${mb(peak(first))}, ${mb(peak(second))}); linear trend ${growthPerMin.toFixed(2)} MB/min`);
  }
  log(`verdict: ${warm.length < 4 ? 'TOO SHORT to judge (need 4 intervals after warm-up)' : levelled ? 'memory LEVELLED OFF' : 'memory KEPT GROWING'}`);

  if (died === null) {
    d.proc.kill('SIGTERM');
    await new Promise((r) => d.proc.once('exit', r));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = died !== null || counted < sent || (warm.length >= 4 && !levelled) ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`soak: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
