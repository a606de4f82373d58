// StatsD sets: the parser option, the set vector, and the exporter path into a gauge family.
import { ManualClock } from '../../src/core/clock';
import type { StatsdEvent } from '../../src/line/events';
import { LineParser } from '../../src/line/parser';
import { SeriesRegistry } from '../../src/registry/series-registry';
import { SetVector, type SetSeries } from '../../src/registry/set';
import { RecordingTelemetry } from '../line/recording-telemetry';

const DIALECTS = { dogstatsd: true, influxdb: true, librato: true, signalfx: true };

function parse(line: string, sets: boolean) {
  const telemetry = new RecordingTelemetry();
  const out: StatsdEvent[] = [];
  new LineParser(DIALECTS, telemetry, { sets }).parseLine(line, out);
  return { out, errors: telemetry.counts.sampleErrors };
}

describe('LineParser sets option', () => {
  it('off (default): numeric members are illegal events, others malformed values, as upstream', () => {
    expect(parse('u:1|s', false)).toEqual({ out: [], errors: { illegal_event: 1 } });
    expect(parse('u:alice|s', false)).toEqual({ out: [], errors: { malformed_value: 1 } });
    const telemetry = new RecordingTelemetry();
    const out: StatsdEvent[] = [];
    new LineParser(DIALECTS, telemetry).parseLine('u:1|s', out);
    expect(telemetry.counts.sampleErrors).toEqual({ illegal_event: 1 });
  });

  it('on: any non-empty member text, with tags; the sample rate is ignored', () => {
    expect(parse('u:alice|s|@0.1|#app:web', true)).toEqual({ out: [{ type: 'set', name: 'u', value: 'alice', labels: { app: 'web' } }], errors: {} });
    expect(parse('u,env=prod:1.50|s', true).out).toEqual([{ type: 'set', name: 'u', value: '1.50', labels: { env: 'prod' } }]);
    expect(parse('u:a|s:b|s', true).out.map((e) => e.value)).toEqual(['a', 'b']);
    expect(parse('u:|s', true)).toEqual({ out: [], errors: { malformed_value: 1 } });
    // Other types are untouched by the option.
    expect(parse('c:abc|c', true)).toEqual({ out: [], errors: { malformed_value: 1 } });
  });
});

describe('SetVector', () => {
  it('counts distinct members, resets on collect, and bounds the members', () => {
    let overflow = 0;
    const v = new SetVector(2, () => overflow++);
    const s = v.create('k', { a: 'b' }) as SetSeries;
    expect(v.add(s, 'x')).toBe(true);
    v.add(s, 'x');
    v.add(s, 'y');
    expect(v.add(s, 'z')).toBe(false);
    expect(v.add(s, 'x')).toBe(true); // already a member: not an overflow
    expect(overflow).toBe(1);
    const out: { value: number }[] = [];
    v.collect(out as never);
    expect(out).toEqual([{ value: 2, labels: { a: 'b' } }]);
    const again: { value: number }[] = [];
    v.collect(again as never);
    expect(again).toEqual([{ value: 0, labels: { a: 'b' } }]);
  });

  it('is exposed with TYPE gauge and conflicts with other types under the same name', async () => {
    const registry = new SeriesRegistry(new ManualClock(0), { vectorCreated() {}, isReservedName: () => false, seriesDropped() {} });
    const options = () => ({ histogram: { buckets: [1], nativeHistogramBucketFactor: 0, nativeHistogramMaxBuckets: 0 }, summary: { quantiles: [], maxAgeSeconds: 0, ageBuckets: 0, bufCap: 0 } });
    const res = registry.lookup({ kind: 'set', name: 'users', labels: {}, help: 'h', ttlMs: 0, options });
    expect(res.ok).toBe(true);
    if (res.ok) (res.vector as SetVector).add(res.series as SetSeries, 'a');
    expect(await registry.exposition.metrics()).toBe('# HELP users h\n# TYPE users gauge\nusers 1\n');
    const clash = registry.lookup({ kind: 'gauge', name: 'users', labels: {}, help: 'h', ttlMs: 0, options });
    expect(clash).toMatchObject({ ok: false, reason: 'conflict' });
  });
});
