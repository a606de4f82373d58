// Every case of ../shared/conformance/exporter.json, driven through the bridge's composition
// root on real sockets: events are sent as StatsD lines over TCP (ordered), packets over their
// transport, and /metrics is scraped over HTTP and parsed as Prometheus text.
import { ManualClock } from '../../src/core/clock';
import { loadVectors, eventToLine, type VectorEvent } from '../support/conformance';
import { startInProcess, type InProcessBridge } from '../support/inprocess';
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

describe('exporter.json', () => {
  let b: InProcessBridge | undefined;
  afterEach(async () => {
    await b?.stop();
    b = undefined;
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const clock = new ManualClock(0);
    const flags = c.flags;
    b = await startInProcess({
      clock,
      mappingYaml: mappingYaml(c),
      config: flags
        ? { parseDogstatsdTags: flags.dogstatsd, parseInfluxdbTags: flags.influxdb, parseLibratoTags: flags.librato, parseSignalfxTags: flags.signalfx }
        : {},
    });
    const before = await b.scrape();
    let lines = 0;

    const sendEvents = async (events: VectorEvent[]) => {
      if (events.length === 0) return;
      await b!.sendTcp(events.map(eventToLine).join('\n') + '\n');
      lines += events.length;
      await b!.waitForLines(lines);
    };

    if (c.events) await sendEvents(c.events);
    for (const p of c.packets ?? []) {
      const bytes = p.input !== null ? Buffer.from(p.input) : Buffer.from(p.input_base64!, 'base64');
      if (p.via === 'udp') await b.sendUdp(bytes);
      else await b.sendTcp(bytes);
      lines += lineCount(bytes, p.via);
      await b.waitForLines(lines);
    }
    for (const step of c.steps ?? []) {
      clock.set(step.clock_unix[0] * 1000 + step.clock_unix[1] / 1e6);
      if (step.sweep) b.bridge.sweepNow();
      await sendEvents(step.events);
      check(await b.scrape(), step.expected_metrics);
    }

    const after = await b.scrape();
    if (c.expected_metrics) check(after, c.expected_metrics);
    for (const d of c.expected_telemetry_deltas ?? []) {
      const delta = after.valueOr0(d.name, d.labels) - before.valueOr0(d.name, d.labels);
      expect({ metric: d.name, delta }).toEqual({ metric: d.name, delta: d.delta });
    }
    // expected_no_panic and every case: the bridge still answers and counted every line.
    expect(after.value('statsd_exporter_lines_total')).toBe(lines);
  });
});
