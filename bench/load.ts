// The load test: starts the built daemon (and statsd_exporter when STATSD_EXPORTER_BIN is set),
// sends UDP from a separate sender process at rising rates, and finds the highest rate held at
// under 0.1% loss, loss being counted from statsd_exporter_lines_total on /metrics. Then the
// memory per series (100k counter + 10k histogram series) and the time of a full gzip scrape.
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  REPO_ROOT,
  cpuSeconds,
  httpGet,
  memory,
  sampleValue,
  sleep,
  startDaemon,
  type DaemonSpec,
  type RunningDaemon,
} from './proc';
import { busyProcesses, othersCpu, processTicks } from './machine';
import { LINES_PER_PACKET, encodePacketFile, loadPackets, seriesPackets } from './traffic';

/**
 * Waits (up to BENCH_IDLE_WAIT_S, default 120 s) until no other process uses more than 10% of
 * a core: on a 2-core machine anyone else's work shows up as our loss. False if it never was.
 */
export async function waitIdle(exceptPid: number, log: (s: string) => void): Promise<boolean> {
  const limit = Date.now() + Number(process.env.BENCH_IDLE_WAIT_S ?? 120) * 1000;
  let said = false;
  for (;;) {
    const busy = (await busyProcesses(500)).filter((b) => !b.includes(`[${exceptPid}]`));
    if (busy.length === 0) return true;
    if (Date.now() > limit) {
      log(`  warning: still busy (${busy.join(', ')}); measuring anyway`);
      return false;
    }
    if (!said) log(`  waiting for other processes to go quiet (${busy.join(', ')})`);
    said = true;
    await sleep(2000);
  }
}

export const LOSS_LIMIT = 0.001;

export interface Sender {
  kind: 'c-sendmmsg' | 'node-dgram';
  run(port: number, packetFile: string, ratePps: number, durationS: number): Promise<SenderResult>;
}

export interface SenderResult {
  sent: number;
  bytes: number;
  errors: number;
  elapsed: number;
}

/** Compiles bench/sender.c with the system cc into a temp dir; falls back to the Node sender. */
export function prepareSender(tmp: string, log: (s: string) => void): Sender {
  const source = path.join(REPO_ROOT, 'bench', 'sender.c');
  const bin = path.join(tmp, 'sender');
  let command: { file: string; args: string[] } | null = null;
  let kind: Sender['kind'] = 'c-sendmmsg';
  try {
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', bin, source], { stdio: 'pipe' });
    command = { file: bin, args: [] };
  } catch (err) {
    log(`cc failed (${(err as Error).message.split('\n')[0]}); using the Node sender`);
    kind = 'node-dgram';
    command = { file: process.execPath, args: [path.join(__dirname, 'sender-node.js')] };
  }
  const cmd = command;
  return {
    kind,
    run: (port, packetFile, ratePps, durationS) =>
      new Promise((resolve, reject) => {
        const p = spawn(cmd.file, [...cmd.args, '127.0.0.1', String(port), packetFile, String(ratePps), String(durationS)], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('error', reject);
        p.on('exit', (code) => {
          if (code !== 0) return reject(new Error(`sender exited ${code}: ${err}`));
          try {
            resolve(JSON.parse(out.trim()) as SenderResult);
          } catch {
            reject(new Error(`sender output: ${out} ${err}`));
          }
        });
      }),
  };
}

export interface StepResult {
  targetLinesPerSec: number;
  /** Lines per second the sender actually sent. */
  sentLinesPerSec: number;
  linesSent: number;
  linesCounted: number;
  loss: number;
  /** Daemon CPU over the step, in cores (1.0 = one core busy). */
  cpu: number;
  held: boolean;
  /** No other busy process was seen before the step. */
  quiet: boolean;
}

export interface LadderResult {
  linesPerPacket: number;
  steps: StepResult[];
  /** Highest sent rate held at under 0.1% loss (lines/s), 0 if none. */
  maxHeld: number;
  /** CPU (cores) at that rate. */
  cpuAtMax: number;
}

async function linesTotal(d: RunningDaemon): Promise<number> {
  return sampleValue(await d.metricsText(), 'statsd_exporter_lines_total');
}

/** Waits until lines_total stops moving (the daemon drained its socket and queues). */
async function settledLines(d: RunningDaemon, expected: number): Promise<number> {
  let last = -1;
  for (let i = 0; i < 60; i++) {
    const n = await linesTotal(d);
    if (n >= expected) return n;
    if (n === last) return n;
    last = n;
    await sleep(250);
  }
  return last;
}

export interface LadderOptions {
  linesPerPacket: number;
  /** Target rates in lines per second, tried in order until two fail in a row. */
  rates: number[];
  stepSeconds: number;
  packetFile: string;
  sender: Sender;
  log: (s: string) => void;
}

export async function runLadder(d: RunningDaemon, o: LadderOptions): Promise<LadderResult> {
  const steps: StepResult[] = [];
  let failures = 0;
  const runStep = async (targetLines: number): Promise<StepResult> => {
    // A step during which another process used CPU is measured again (up to 3 times).
    for (let attempt = 1; ; attempt++) {
      const quiet = await waitIdle(d.pid, o.log);
      const t0 = processTicks();
      const started = Date.now();
      const r = await measureStep(targetLines, quiet);
      const others = othersCpu(t0, processTicks(), (Date.now() - started) / 1000, [d.pid]);
      if (others < 0.1 || attempt === 3) {
        if (others >= 0.1) r.quiet = false;
        return r;
      }
      o.log(`  (another process used ${others.toFixed(2)} cores during that step: measuring it again)`);
    }
  };
  const measureStep = async (targetLines: number, quiet: boolean): Promise<StepResult> => {
    const pps = targetLines / o.linesPerPacket;
    const before = await linesTotal(d);
    const cpu0 = cpuSeconds(d.pid);
    const s = await o.sender.run(d.udpPort, o.packetFile, pps, o.stepSeconds);
    const linesSent = s.sent * o.linesPerPacket;
    const after = await settledLines(d, before + linesSent);
    const cpu1 = cpuSeconds(d.pid);
    const counted = after - before;
    const loss = linesSent > 0 ? Math.max(0, 1 - counted / linesSent) : 1;
    const sentRate = linesSent / s.elapsed;
    // Held: under 0.1% loss, and the sender really offered (nearly) the target rate.
    const held = loss < LOSS_LIMIT && sentRate >= 0.95 * targetLines;
    const r: StepResult = { targetLinesPerSec: targetLines, sentLinesPerSec: sentRate, linesSent, linesCounted: counted, loss, cpu: (cpu1 - cpu0) / s.elapsed, held, quiet };
    o.log(
      `  ${d.name} ${o.linesPerPacket === 1 ? 'single' : 'multi '} target ${fmtRate(targetLines)} sent ${fmtRate(sentRate)} loss ${(loss * 100).toFixed(3)}% cpu ${r.cpu.toFixed(2)} ${held ? 'held' : 'LOST'}`,
    );
    return r;
  };
  for (const rate of o.rates) {
    const r = await runStep(rate);
    steps.push(r);
    if (r.held) failures = 0;
    else if (++failures >= 2) break;
  }
  // One refinement between the best held step and the next failed one.
  const best = bestHeld(steps);
  const firstFail = steps.find((s) => !s.held && s.targetLinesPerSec > (best?.targetLinesPerSec ?? 0));
  if (best && firstFail) steps.push(await runStep(Math.round((best.targetLinesPerSec + firstFail.targetLinesPerSec) / 2)));
  const top = bestHeld(steps);
  return { linesPerPacket: o.linesPerPacket, steps, maxHeld: top?.sentLinesPerSec ?? 0, cpuAtMax: top?.cpu ?? 0 };
}

function bestHeld(steps: StepResult[]): StepResult | undefined {
  let best: StepResult | undefined;
  for (const s of steps) if (s.held && (!best || s.sentLinesPerSec > best.sentLinesPerSec)) best = s;
  return best;
}

export function fmtRate(linesPerSec: number): string {
  return linesPerSec >= 1e6 ? `${(linesPerSec / 1e6).toFixed(2)}M/s` : `${(linesPerSec / 1e3).toFixed(0)}k/s`;
}

export interface MemoryResult {
  series: number;
  rssBaseline: number;
  rssLoaded: number;
  bytesPerSeries: number;
  scrapeMs: number[];
  scrapeMedianMs: number;
  scrapeBytes: number;
  scrapeGzipBytes: number;
  /** RSS after the five scrapes, and its high-water mark. */
  rssAfterScrapes: number;
  rssPeak: number;
}

/** Sends every packet once over UDP at a gentle pace (no loss), from this process. */
async function sendAll(port: number, packets: Buffer[], perMs: number): Promise<void> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.connect(port, '127.0.0.1', () => r()));
  for (let i = 0; i < packets.length; i++) {
    s.send(packets[i]);
    if (i % perMs === perMs - 1) await sleep(1);
  }
  await new Promise<void>((r) => s.close(() => r()));
}

/** Waits until the process stops using CPU (it has drained its socket): no scrape needed. */
async function cpuQuiet(pid: number): Promise<void> {
  let last = cpuSeconds(pid);
  for (let i = 0; i < 120; i++) {
    await sleep(500);
    const now = cpuSeconds(pid);
    if (now - last < 0.02) return;
    last = now;
  }
}

export async function runMemory(
  spec: DaemonSpec,
  counters: number,
  histograms: number,
  warm: { sender: Sender; packetFile: string },
  log: (s: string) => void,
): Promise<MemoryResult> {
  const d = await startDaemon(spec);
  try {
    // Baseline: running, after 2 s of the load test's traffic at 400k lines/s (so the runtime's
    // own working memory is in the baseline, not in the series). Nothing scrapes /metrics until
    // the loaded figure is read: the settling is seen in the process' CPU time instead.
    const warmRun = await warm.sender.run(d.udpPort, warm.packetFile, 400_000 / LINES_PER_PACKET, 2);
    await cpuQuiet(d.pid);
    await waitIdle(d.pid, log);
    await sleep(1000);
    const rssBaseline = memory(d.pid).rss;
    const { packets, lines } = seriesPackets(counters, histograms);
    await sendAll(d.udpPort, packets, 8);
    await cpuQuiet(d.pid);
    await sleep(2000);
    const rssLoaded = memory(d.pid).rss;
    const series = counters + histograms;
    // Every series line arrived? (The series count then is what the figure divides by.)
    const got = (await linesTotal(d)) - warmRun.sent * LINES_PER_PACKET;
    if (got < lines) log(`  warning: ${d.name} received ${got} of ${lines} series lines: the figure per series is too low`);
    const scrapeMs: number[] = [];
    let scrapeBytes = 0;
    let scrapeGzipBytes = 0;
    for (let i = 0; i < 5; i++) {
      const r = await httpGet(d.httpPort, '/metrics', true);
      if (r.status !== 200) throw new Error(`${d.name} scrape status ${r.status}`);
      if (!r.gzipped) throw new Error(`${d.name} did not answer gzip`);
      scrapeMs.push(r.ms);
      scrapeBytes = r.decodedBytes;
      scrapeGzipBytes = r.wireBytes;
    }
    const sorted = [...scrapeMs].sort((a, b) => a - b);
    await sleep(1000);
    const after = memory(d.pid);
    const res: MemoryResult = {
      series,
      rssBaseline,
      rssLoaded,
      bytesPerSeries: (rssLoaded - rssBaseline) / series,
      scrapeMs,
      scrapeMedianMs: sorted[Math.floor(sorted.length / 2)],
      scrapeBytes,
      scrapeGzipBytes,
      rssAfterScrapes: after.rss,
      rssPeak: after.hwm,
    };
    log(
      `  ${d.name}: ${series} series, RSS ${mb(rssBaseline)} -> ${mb(rssLoaded)} MB = ${(res.bytesPerSeries / 1024).toFixed(2)} KB/series (${mb(after.rss)} MB after the scrapes, peak ${mb(after.hwm)} MB); scrape ${mb(scrapeBytes)} MB (gzip ${mb(scrapeGzipBytes)} MB) in ${res.scrapeMedianMs.toFixed(0)} ms (median of ${scrapeMs.map((x) => x.toFixed(0)).join(', ')})`,
    );
    return res;
  } finally {
    await d.stop();
  }
}

function mb(b: number): string {
  return (b / 1048576).toFixed(1);
}

export interface LoadResult {
  name: string;
  multi: LadderResult;
  single: LadderResult;
  memory: MemoryResult;
}

export interface LoadOptions {
  quick: boolean;
  sender: Sender;
  tmp: string;
  mappingFile: string;
  log: (s: string) => void;
  /** Which measurements (default: all). */
  parts?: Set<string>;
}

/** Everything the load test measures for one daemon. */
export async function runLoad(spec: DaemonSpec, o: LoadOptions): Promise<LoadResult> {
  const multiFile = path.join(o.tmp, 'multi.bin');
  const singleFile = path.join(o.tmp, 'single.bin');
  if (!fs.existsSync(multiFile)) fs.writeFileSync(multiFile, encodePacketFile(loadPackets(4096, LINES_PER_PACKET, 1)));
  if (!fs.existsSync(singleFile)) fs.writeFileSync(singleFile, encodePacketFile(loadPackets(16384, 1, 2)));
  const stepSeconds = o.quick ? 2 : 4;
  const ladder = async (linesPerPacket: number, rates: number[], file: string) => {
    const d = await startDaemon(spec);
    try {
      // Warm-up (the JIT, the series, the caches) at a rate both daemons hold easily.
      await o.sender.run(d.udpPort, file, 20_000 / linesPerPacket, o.quick ? 1 : 2);
      await settledLines(d, Infinity);
      return await runLadder(d, { linesPerPacket, rates, stepSeconds, packetFile: file, sender: o.sender, log: o.log });
    } finally {
      await d.stop();
    }
  };
  const multiRates = o.quick ? [400e3, 800e3, 1.2e6, 1.6e6, 2.0e6, 2.4e6, 2.8e6] : range(400e3, 4e6, 200e3);
  const singleRates = o.quick ? [100e3, 200e3, 300e3, 400e3] : range(100e3, 500e3, 25e3);
  const parts = o.parts ?? new Set(['multi', 'single', 'memory']);
  const none: LadderResult = { linesPerPacket: 0, steps: [], maxHeld: 0, cpuAtMax: 0 };
  const multi = parts.has('multi') ? await ladder(LINES_PER_PACKET, multiRates, multiFile) : none;
  const single = parts.has('single') ? await ladder(1, singleRates, singleFile) : none;
  const mem = parts.has('memory')
    ? await runMemory(spec, o.quick ? 50_000 : 100_000, o.quick ? 5_000 : 10_000, { sender: o.sender, packetFile: multiFile }, o.log)
    : { series: 0, rssBaseline: 0, rssLoaded: 0, bytesPerSeries: 0, scrapeMs: [], scrapeMedianMs: 0, scrapeBytes: 0, scrapeGzipBytes: 0, rssAfterScrapes: 0, rssPeak: 0 };
  return { name: spec.name, multi, single, memory: mem };
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let x = from; x <= to + 1e-6; x += step) out.push(x);
  return out;
}

export function makeTmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'statsd-bridge-bench-'));
}
