// Every case of ../shared/conformance/exporter.json, driven through the bridge's composition
// root on real sockets: events are sent as StatsD lines over TCP (ordered), packets over their
// transport, and /metrics is scraped over HTTP and parsed as Prometheus text.
import { ManualClock } from '../../src/core/clock';
import { loadVectors, eventToLine, type VectorEvent } from '../support/conformance';
import { startDaemon } from '../support/daemon';
import { startInProcess, tempFile } from '../support/inprocess';
import type { Exposition } from '../support/prom-text';

interface ExpectedMetric {
  name: string;
  labels: Record<string, string> | null;
  value?: number;
  present?: boolean;
  type?: string;
  summary_quantiles_nonempty?: boolean;
}
interface ExporterCase {
  name: string;
  config: string | null;
  mapper_defaults_override?: { observer_type: string };
  events?: VectorEvent[];
  packets?: { input: string | null; input_base64?: string; via: 'udp' | 'tcp' }[];
  flags?: { dogstatsd: boolean; influxdb: boolean; librato: boolean; signalfx: boolean };
  steps?: { clock_unix: [number, number]; sweep: boolean; events: VectorEvent[]; expected_metrics: ExpectedMetric[] }[];
  expected_metrics?: ExpectedMetric[];
  expected_telemetry_deltas?: { name: string; labels: Record<string, string>; delta: number }[];
  expected_no_panic?: boolean;
}

const cases = loadVectors<ExporterCase>('exporter.json');

/** The sample that carries a metric's value: the series itself, or _sum for observers. */
function lookup(e: Exposition, m: ExpectedMetric) {
  const type = e.families.get(m.name)?.type;
  const sampleName = type === 'histogram' || type === 'summary' ? `${m.name}_sum` : m.name;
  if (m.labels === null) return { type, sample: e.all(sampleName)[0] };
  return { type, sample: e.find(sampleName, m.labels) };
}

function check(e: Exposition, expected: ExpectedMetric[]): void {
  for (const m of expected) {
    const { type, sample } = lookup(e, m);
    const where = `${m.name}${JSON.stringify(m.labels)}`;
    if (m.present === false) {
      expect({ where, present: sample !== undefined }).toEqual({ where, present: false });
      continue;
    }
    expect({ where, present: sample !== undefined }).toEqual({ where, present: true });
    if (m.value !== undefined) expect({ where, value: sample!.value }).toEqual({ where, value: m.value });
    if (m.type) expect({ where, type }).toEqual({ where, type: m.type });
    if (m.summary_quantiles_nonempty) {
      expect(e.all(m.name).filter((s) => s.labels.quantile !== undefined).length).toBeGreaterThan(0);
    }
  }
}

function mappingYaml(c: ExporterCase): string | null {
  if (c.mapper_defaults_override) {
    // The Go test sets mapper defaults in code; a defaults-only mapping file says the same.
    return `defaults:\n  observer_type: ${c.mapper_defaults_override.observer_type}\nmappings: []\n`;
  }
  return c.config;
}

/** How many lines a transport counts for a payload: UDP counts every '\n' piece, TCP whole lines. */
function lineCount(bytes: Buffer, via: 'udp' | 'tcp'): number {
  const text = bytes.toString('latin1');
  return (via === 'tcp' ? text.replace(/\n$/, '') : text).split('\n').length;
}

/** What a case needs from a running bridge, in-process or a spawned daemon. */
interface Target {
  sendTcp(payload: string | Buffer): Promise<void>;
  sendUdp(payload: string | Buffer): Promise<void>;
  scrape(): Promise<Exposition>;
  waitForLines(lines: number): Promise<unknown>;
  /** Only in-process targets can move the clock and sweep on demand. */
  clock?: ManualClock;
  sweepNow?: () => void;
  stop(): Promise<unknown>;
}

function dialectFlags(c: ExporterCase): string[] {
  const f = c.flags;
  if (!f) return [];
  const flag = (name: string, on: boolean) => `--${on ? '' : 'no-'}statsd.parse-${name}-tags`;
  return [flag('dogstatsd', f.dogstatsd), flag('influxdb', f.influxdb), flag('librato', f.librato), flag('signalfx', f.signalfx)];
}

async function inProcessTarget(c: ExporterCase): Promise<Target> {
  const clock = new ManualClock(0);
  const f = c.flags;
  const b = await startInProcess({
    clock,
    mappingYaml: mappingYaml(c),
    config: f ? { parseDogstatsdTags: f.dogstatsd, parseInfluxdbTags: f.influxdb, parseLibratoTags: f.librato, parseSignalfxTags: f.signalfx } : {},
  });
  return { ...b, clock, sweepNow: () => void b.bridge.sweepNow() };
}

async function daemonTarget(c: ExporterCase): Promise<Target> {
  const yaml = mappingYaml(c);
  const args = ['--statsd.event-flush-threshold=1', ...dialectFlags(c)];
  if (yaml !== null) args.push(`--statsd.mapping-config=${tempFile('mapping.yml', yaml)}`);
  const d = await startDaemon({ args });
  return {
    sendTcp: d.sendTcp,
    sendUdp: d.sendUdp,
    scrape: d.scrape,
    waitForLines: (lines) => d.eventually((e) => expect(e.value('statsd_exporter_lines_total')).toBeGreaterThanOrEqual(lines)),
    stop: () => d.stop(),
  };
}

async function runCase(c: ExporterCase, t: Target): Promise<void> {
  const before = await t.scrape();
  let lines = 0;
  const sendEvents = async (events: VectorEvent[]) => {
    if (events.length === 0) return;
    await t.sendTcp(events.map(eventToLine).join('\n') + '\n');
    lines += events.length;
    await t.waitForLines(lines);
  };

  if (c.events) await sendEvents(c.events);
  for (const p of c.packets ?? []) {
    const bytes = p.input !== null ? Buffer.from(p.input) : Buffer.from(p.input_base64!, 'base64');
    if (p.via === 'udp') await t.sendUdp(bytes);
    else await t.sendTcp(bytes);
    lines += lineCount(bytes, p.via);
    await t.waitForLines(lines);
  }
  for (const step of c.steps ?? []) {
    t.clock!.set(step.clock_unix[0] * 1000 + step.clock_unix[1] / 1e6);
    if (step.sweep) t.sweepNow!();
    await sendEvents(step.events);
    check(await t.scrape(), step.expected_metrics);
  }

  const after = await t.scrape();
  if (c.expected_metrics) check(after, c.expected_metrics);
  for (const d of c.expected_telemetry_deltas ?? []) {
    const delta = after.valueOr0(d.name, d.labels) - before.valueOr0(d.name, d.labels);
    expect({ metric: d.name, delta }).toEqual({ metric: d.name, delta: d.delta });
  }
  // expected_no_panic and every case: the bridge still answers and counted every line.
  expect(after.value('statsd_exporter_lines_total')).toBe(lines);
}

describe('exporter.json', () => {
  let target: Target | undefined;
  afterEach(async () => {
    await target?.stop();
    target = undefined;
  });

  // Every case through the composition root in-process, where the test owns the clock (TTL steps).
  test.each(cases.map((c) => [c.name, c] as const))('in-process: %s', async (_name, c) => {
    target = await inProcessTarget(c);
    await runCase(c, target);
  });

  // And every case that does not move the clock through the built daemon, spawned as a user runs it.
  const clockFree = cases.filter((c) => !c.steps);
  test.each(clockFree.map((c) => [c.name, c] as const))('daemon: %s', async (_name, c) => {
    target = await daemonTarget(c);
    await runCase(c, target);
  });
});
