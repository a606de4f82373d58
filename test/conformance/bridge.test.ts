// Our own vectors (bridge-vectors.json, beside the upstream ones in ../shared/conformance): every
// row of issue 11, the last differences found running the bridge side by side with
// statsd_exporter v0.27.2. "bug" rows give statsd_exporter's output; "deliberate" rows keep the
// bridge's (docs/compatibility.md, "Different on purpose"); `statsd_exporter` says what upstream
// does. The format is exporter.json's (see ../shared/conformance/README.md) plus:
//   row, verdict, statsd_exporter     the row, and upstream's behaviour in words
//   packets[].generate                [[bytes, terminator], ...]: StatsD counter lines of exactly
//                                     `bytes` bytes, sent before `input`
//   args                              daemon flags ("{tmp}" is a fresh directory); daemon only
//   expected_samples                  raw samples (`x_count`, `x{quantile=...}`), value "NaN"/"+Inf" allowed
//   absent_families                   names that must not be a family on the page
//   expected_eventually               [{name, labels, at_least}] reached without any traffic
//   expected_lines_total              statsd_exporter_lines_total at the end
//   pending                           {reason, until?}: skipped (named so) until `until` holds
//                                     (BRIDGE_VECTORS_RUN_PENDING=1 runs them anyway)
// Each case runs in-process (the test owns the clock; TTL steps) and, without steps, through the
// built daemon. Every scrape is also checked to be a valid exposition (test/support).
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/core/clock';
import { SeriesRegistry } from '../../src/registry/series-registry';
import { eventToLine, type VectorEvent } from '../support/conformance';
import { startDaemon } from '../support/daemon';
import { startInProcess, tempFile } from '../support/inprocess';
import type { Exposition } from '../support/prom-text';
import { tcpLines } from '../fuzz/accounting';

type Num = number | 'NaN' | '+Inf' | '-Inf';
interface ExpectedMetric {
  name: string;
  labels: Record<string, string>;
  value?: Num;
  present?: boolean;
  type?: string;
}
interface Packet {
  input: string | null;
  input_base64?: string;
  via: 'udp' | 'tcp';
  generate?: Array<[number, string]>;
}
interface BridgeCase {
  name: string;
  row: number;
  verdict: 'bug' | 'deliberate';
  statsd_exporter: string;
  pending?: { reason: string; until?: 'summary_holds_non_finite' };
  config: string | null;
  args?: string[];
  packets?: Packet[];
  steps?: { clock_unix: [number, number]; sweep: boolean; events: VectorEvent[]; expected_metrics: ExpectedMetric[] }[];
  expected_metrics?: ExpectedMetric[];
  expected_samples?: { name: string; labels: Record<string, string>; value: Num }[];
  absent_families?: string[];
  expected_telemetry_deltas?: { name: string; labels: Record<string, string>; delta: number }[];
  expected_eventually?: { name: string; labels: Record<string, string>; at_least: number }[];
  expected_lines_total?: number;
}

const cases = JSON.parse(fs.readFileSync(path.join(__dirname, 'bridge-vectors.json'), 'utf8')) as BridgeCase[];
const TCP_LINE_BUFFER = 4096;

/** Conditions a pending case waits for, probed on the code as it is. */
const probes: Record<string, () => boolean> = {
  // The summary vector takes NaN / ±Inf (the CKMS summary does; today's prom-client one sets rejectsNonFinite).
  summary_holds_non_finite: () => {
    const registry = new SeriesRegistry(new ManualClock(0), { vectorCreated: () => {}, isReservedName: () => false, seriesDropped: () => {} });
    const res = registry.lookup({
      kind: 'summary',
      name: 'probe',
      labels: {},
      help: 'probe',
      ttlMs: 0,
      options: () => ({ histogram: { buckets: [1] }, summary: { quantiles: [{ quantile: 0.5, error: 0.05 }], maxAgeSeconds: 0, ageBuckets: 0, bufCap: 0 } }) as never,
    });
    return res.ok && res.vector.rejectsNonFinite !== true;
  },
};

const num = (v: Num): number => (v === 'NaN' ? NaN : v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : v);

/** The bytes of a packet: generated lines of exact lengths, then `input`. */
function packetBytes(p: Packet, row: number): Buffer {
  const parts = (p.generate ?? []).map(([bytes, terminator], i) => {
    const head = `r${row}_${i}_`;
    const tail = ':1|c';
    return Buffer.from(head + 'a'.repeat(bytes - head.length - tail.length) + tail + terminator);
  });
  if (p.input !== null) parts.push(Buffer.from(p.input));
  else if (p.input_base64) parts.push(Buffer.from(p.input_base64, 'base64'));
  return Buffer.concat(parts);
}

function check(e: Exposition, c: BridgeCase, expected: ExpectedMetric[]): void {
  for (const m of expected) {
    const type = e.families.get(m.name)?.type;
    const sampleName = type === 'histogram' || type === 'summary' ? `${m.name}_sum` : m.name;
    const sample = e.find(sampleName, m.labels);
    const where = `${m.name}${JSON.stringify(m.labels)}`;
    if (m.present === false) {
      expect({ where, present: sample !== undefined }).toEqual({ where, present: false });
      continue;
    }
    expect({ where, present: sample !== undefined }).toEqual({ where, present: true });
    if (m.value !== undefined) expect({ where, value: sample!.value }).toEqual({ where, value: num(m.value) });
    if (m.type) expect({ where, type }).toEqual({ where, type: m.type });
  }
  void c;
}

interface Target {
  sendTcp(payload: string | Buffer): Promise<void>;
  sendUdp(payload: string | Buffer): Promise<void>;
  scrape(): Promise<Exposition>;
  clock?: ManualClock;
  sweepNow?: () => void;
  stop(): Promise<unknown>;
}

/** Polls until `fn` stops throwing (about 5 s), rethrowing its last error. */
async function eventually<T>(fn: () => Promise<T>, attempts = 100): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw last;
}

async function runCase(c: BridgeCase, t: Target): Promise<void> {
  const before = await t.scrape();
  let lines = 0;
  const waitForLines = () => eventually(async () => expect((await t.scrape()).valueOr0('statsd_exporter_lines_total')).toBeGreaterThanOrEqual(lines));
  // One connection per packet, each waited for, so the order of packets is the order applied.
  for (const p of c.packets ?? []) {
    const bytes = packetBytes(p, c.row);
    if (p.via === 'udp') await t.sendUdp(bytes);
    else await t.sendTcp(bytes);
    lines += p.via === 'tcp' ? tcpLines(bytes, TCP_LINE_BUFFER).lines.length : bytes.toString('latin1').split('\n').length;
    await waitForLines();
  }
  for (const step of c.steps ?? []) {
    t.clock!.set(step.clock_unix[0] * 1000 + step.clock_unix[1] / 1e6);
    if (step.sweep) t.sweepNow!();
    if (step.events.length > 0) {
      await t.sendTcp(step.events.map(eventToLine).join('\n') + '\n');
      lines += step.events.length;
      await waitForLines();
    }
    check(await t.scrape(), c, step.expected_metrics);
  }
  // Counters that follow a line on another path (a too-long line) may lag the lines count.
  await eventually(async () => {
    const after = await t.scrape();
    if (c.expected_metrics) check(after, c, c.expected_metrics);
    for (const s of c.expected_samples ?? []) {
      const where = `${s.name}${JSON.stringify(s.labels)}`;
      expect({ where, value: after.find(s.name, s.labels)?.value }).toEqual({ where, value: num(s.value) });
    }
    for (const name of c.absent_families ?? []) expect({ family: name, type: after.families.get(name)?.type }).toEqual({ family: name, type: undefined });
    for (const d of c.expected_telemetry_deltas ?? []) {
      const delta = after.valueOr0(d.name, d.labels) - before.valueOr0(d.name, d.labels);
      expect({ metric: d.name, labels: d.labels, delta }).toEqual({ metric: d.name, labels: d.labels, delta: d.delta });
    }
    for (const m of c.expected_eventually ?? []) expect({ metric: m.name, reached: after.valueOr0(m.name, m.labels) >= m.at_least }).toEqual({ metric: m.name, reached: true });
    if (c.expected_lines_total !== undefined) expect(after.valueOr0('statsd_exporter_lines_total')).toBe(c.expected_lines_total);
  });
}

async function inProcessTarget(c: BridgeCase): Promise<Target> {
  const clock = new ManualClock(0);
  const b = await startInProcess({ clock, mappingYaml: c.config });
  return { ...b, clock, sweepNow: () => void b.bridge.sweepNow() };
}

async function daemonTarget(c: BridgeCase): Promise<Target> {
  const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'bridge-vectors-'));
  const args = ['--statsd.event-flush-threshold=1', ...(c.args ?? []).map((a) => a.replaceAll('{tmp}', tmp))];
  if (c.config !== null) args.push(`--statsd.mapping-config=${tempFile('mapping.yml', c.config)}`);
  const d = await startDaemon({ args });
  return { sendTcp: d.sendTcp, sendUdp: d.sendUdp, scrape: d.scrape, stop: () => d.stop() };
}

/** test, or test.skip named after what it waits for. */
function testFor(c: BridgeCase): [typeof test, string] {
  // BRIDGE_VECTORS_RUN_PENDING=1 runs the pending cases too (to see whether they pass yet).
  if (!c.pending || process.env.BRIDGE_VECTORS_RUN_PENDING) return [test, ''];
  if (c.pending.until && probes[c.pending.until]()) return [test, ''];
  return [test.skip, ` [pending: ${c.pending.reason}]`];
}

describe('bridge-vectors.json (issue 11)', () => {
  let target: Target | undefined;
  afterEach(async () => {
    await target?.stop();
    target = undefined;
  });

  test('every row of the issue is a vector, each with its verdict', () => {
    const rows = new Set(cases.map((c) => c.row));
    for (let row = 1; row <= 14; row++) expect({ row, present: rows.has(row) }).toEqual({ row, present: true });
    for (const c of cases) expect(['bug', 'deliberate']).toContain(c.verdict);
    for (const c of cases) expect(c.statsd_exporter.length).toBeGreaterThan(0);
  });

  for (const c of cases.filter((x) => !x.args)) {
    const [t, note] = testFor(c);
    t(`in-process: ${c.name}${note}`, async () => {
      target = await inProcessTarget(c);
      await runCase(c, target);
    });
  }
  for (const c of cases.filter((x) => !x.steps)) {
    const [t, note] = testFor(c);
    t(`daemon: ${c.name}${note}`, async () => {
      target = await daemonTarget(c);
      await runCase(c, target);
    });
  }
});
