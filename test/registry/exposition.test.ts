// The bridge's own exposition writer (src/registry/exposition.ts) must produce exactly what
// prom-client's Registry.metrics() produces for the same families: same order, label order,
// escaping of \, " and newline, value formatting (Nan, +Inf, -Inf, exponents), summaries.
import { Registry } from 'prom-client';
import { ManualClock } from '../../src/core/clock';
import type { Labels } from '../../src/line/events';
import { escapeLabelValue, formatValue, labelText } from '../../src/registry/exposition';
import { SeriesRegistry, type VectorOptions } from '../../src/registry/series-registry';
import type { MetricKind } from '../../src/registry/types';

const OPTIONS: VectorOptions = {
  histogram: { buckets: [0.005, 0.5, 1, 2.5e-7, 1e21].sort((a, b) => a - b), nativeHistogramBucketFactor: 0, nativeHistogramMaxBuckets: 0 } as VectorOptions['histogram'],
  summary: { quantiles: [{ quantile: 0.5, error: 0.05 }, { quantile: 0.99, error: 0.001 }], maxAgeSeconds: 0, ageBuckets: 0, bufCap: 0 },
};

function newRegistry(): SeriesRegistry {
  return new SeriesRegistry(new ManualClock(1000), { vectorCreated() {}, isReservedName: () => false, seriesDropped() {} });
}

function update(r: SeriesRegistry, kind: MetricKind, name: string, labels: Labels, value: number, help = 'help text'): void {
  const res = r.lookup({ kind, name, labels, help, ttlMs: 0, options: () => OPTIONS });
  if (!res.ok) throw new Error(res.error);
  res.vector.update(res.series, value, false);
}

/** What prom-client renders for the families registered in the series registry. */
async function promClientText(r: SeriesRegistry): Promise<string> {
  const plain = new Registry();
  for (const m of r.exposition.getMetricsAsArray()) plain.registerMetric(m as never);
  return plain.metrics();
}

describe('exposition writer', () => {
  test('byte for byte what prom-client renders: counters, gauges, histograms, summaries', async () => {
    const r = newRegistry();
    const tricky = ['plain', 'back\\slash', 'quo"te', 'new\nline', 'all \\ " \n three', '', 'ünïcödé ✓', '{},=', '\\n literal'];
    for (let i = 0; i < tricky.length; i++) {
      update(r, 'counter', 'requests_total', { route: tricky[i], method: 'GET' }, i + 0.5);
      update(r, 'gauge', 'temperature', { z: tricky[i], a: String(i) }, -i * 1e-9);
      update(r, 'histogram', 'latency_seconds', { path: tricky[i] }, i / 3);
      update(r, 'summary', 'size_bytes', { k: tricky[i] }, i * 7);
    }
    // Label order is the series' own (first event's) order; different label-name sets share a family.
    update(r, 'counter', 'requests_total', { method: 'POST', route: '/x', extra: 'y' }, 1);
    update(r, 'counter', 'no_labels_total', {}, 3);
    update(r, 'gauge', 'specials', { v: 'nan' }, NaN);
    update(r, 'gauge', 'specials', { v: 'inf' }, Infinity);
    update(r, 'gauge', 'specials', { v: 'ninf' }, -Infinity);
    update(r, 'gauge', 'specials', { v: 'big' }, 1e21);
    update(r, 'gauge', 'specials', { v: 'small' }, 1.5e-7);
    update(r, 'gauge', 'specials', { v: 'negzero' }, -0);
    update(r, 'histogram', 'latency_seconds', {}, Infinity);
    update(r, 'histogram', 'latency_seconds', { path: 'nan' }, NaN);
    update(r, 'counter', 'help_escaped', { a: 'b' }, 1, 'help with \\ backslash\nand newline "quoted"');

    const ours = await r.exposition.metrics();
    expect(ours).toBe(await promClientText(r));
    expect(ours).toContain('route="back\\\\slash"');
    expect(ours).toContain('route="quo\\"te"');
    expect(ours).toContain('route="new\\nline"');
    expect(ours).toContain('specials{v="nan"} Nan');
    expect(ours).toContain('latency_seconds_bucket{le="+Inf"} 1');
  });

  test('an empty registry renders like prom-client (blank), and removed families disappear', async () => {
    const r = newRegistry();
    expect(await r.exposition.metrics()).toBe(await promClientText(r));
    const clock = new ManualClock(0);
    const r2 = new SeriesRegistry(clock, { vectorCreated() {}, isReservedName: () => false, seriesDropped() {} });
    const res = r2.lookup({ kind: 'counter', name: 'short_lived', labels: { a: '1' }, help: 'h', ttlMs: 10, options: () => OPTIONS });
    if (!res.ok) throw new Error(res.error);
    res.vector.update(res.series, 1, false);
    update(r2, 'gauge', 'kept', {}, 2);
    clock.set(1000);
    r2.sweep();
    const text = await r2.exposition.metrics();
    expect(text).toBe(await promClientText(r2));
    expect(text).not.toContain('short_lived');
    expect(text).toContain('kept 2');
  });

  test('many series in many families render identically (and in registration order)', async () => {
    const r = newRegistry();
    for (let i = 0; i < 2000; i++) {
      update(r, i % 3 === 0 ? 'histogram' : 'counter', `family_${i % 37}${i % 3 === 0 ? '_h' : ''}`, { id: String(i), shard: `s${i % 5}` }, i);
    }
    expect(await r.exposition.metrics()).toBe(await promClientText(r));
  });

  test('helpers: label text, escaping, values', () => {
    expect(labelText({})).toBe('');
    expect(labelText({ b: '1', a: 'x"y' })).toBe('{b="1",a="x\\"y"}');
    expect(escapeLabelValue('a\\b\nc"d')).toBe('a\\\\b\\nc\\"d');
    expect([NaN, Infinity, -Infinity, 0, -0, 1e21, 0.1].map(formatValue)).toEqual(['Nan', '+Inf', '-Inf', '0', '0', '1e+21', '0.1']);
  });
});
